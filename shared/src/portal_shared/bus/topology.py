"""Names and declarations of exchanges and queues. Declared by code, idempotently, at start.

    <ns>.events            topic exchange; routing key = event type; alternate exchange below
    <ns>.events.unrouted   fanout exchange + queue <ns>.unrouted: events nobody subscribes to yet
    <ns>.<consumer>        the consumer's queue (quorum), bound to the types it handles
    <ns>.<consumer>.retry.<ms>  delay queues: TTL, then dead-lettered back to the consumer's queue
    <ns>.<consumer>.dlq    dead letters, for an operator to inspect and replay
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingChannel


@dataclass(frozen=True)
class Names:
    namespace: str

    @property
    def events_exchange(self) -> str:
        return f"{self.namespace}.events"

    @property
    def unrouted_exchange(self) -> str:
        return f"{self.namespace}.events.unrouted"

    @property
    def unrouted_queue(self) -> str:
        return f"{self.namespace}.unrouted"

    def queue(self, consumer: str) -> str:
        return f"{self.namespace}.{consumer}"

    def retry_queue(self, consumer: str, delay_ms: int) -> str:
        return f"{self.namespace}.{consumer}.retry.{delay_ms}"

    def dead_letter_queue(self, consumer: str) -> str:
        return f"{self.namespace}.{consumer}.dlq"


def declare_exchanges(channel: BlockingChannel, names: Names) -> None:
    channel.exchange_declare(names.unrouted_exchange, exchange_type="fanout", durable=True)
    channel.queue_declare(names.unrouted_queue, durable=True, arguments={"x-queue-type": "classic"})
    channel.queue_bind(names.unrouted_queue, names.unrouted_exchange)
    channel.exchange_declare(names.events_exchange, exchange_type="topic", durable=True,
                             arguments={"alternate-exchange": names.unrouted_exchange})


def declare_consumer_queues(channel: BlockingChannel, names: Names, consumer: str, event_types: Iterable[str],
                            retry_delays_ms: Iterable[int], quorum: bool) -> None:
    queue_type = {"x-queue-type": "quorum"} if quorum else {"x-queue-type": "classic"}
    main = names.queue(consumer)
    declare_exchanges(channel, names)
    channel.queue_declare(main, durable=True, arguments=queue_type)
    for event_type in event_types:
        channel.queue_bind(main, names.events_exchange, routing_key=event_type)
    for delay in retry_delays_ms:
        channel.queue_declare(names.retry_queue(consumer, delay), durable=True, arguments={
            "x-queue-type": "classic",
            "x-message-ttl": int(delay),
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": main,
        })
    channel.queue_declare(names.dead_letter_queue(consumer), durable=True, arguments=queue_type)
