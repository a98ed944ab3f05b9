"""Names and declarations of exchanges and queues. Declared by code, idempotently, at start.

    <ns>.events            topic exchange; routing key = event type; alternate exchange below
    <ns>.events.unrouted   fanout exchange + queue <ns>.unrouted: events nobody subscribes to yet,
                           bounded (UNROUTED_MAX_LENGTH, oldest dropped; UNROUTED_MESSAGE_TTL_MS)
    <ns>.<consumer>        the consumer's queue (quorum), bound to the types it handles
    <ns>.<consumer>.retry.<ms>  delay queues: TTL, then dead-lettered back to the consumer's queue
    <ns>.<consumer>.dlq    dead letters, for an operator to inspect and replay
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

from portal_shared.logging import get_logger

log = get_logger(__name__)

# The unrouted queue keeps what no consumer binds yet, for an operator to look at: the newest
# 10,000 events of at most one day. Constants, not settings: every process declares this queue,
# and two processes declaring it with different bounds would keep replacing each other's.
UNROUTED_MAX_LENGTH = 10_000
UNROUTED_MESSAGE_TTL_MS = 24 * 3600 * 1000
UNROUTED_ARGUMENTS = {"x-queue-type": "classic", "x-max-length": UNROUTED_MAX_LENGTH, "x-overflow": "drop-head",
                      "x-message-ttl": UNROUTED_MESSAGE_TTL_MS}
PRECONDITION_FAILED = 406


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
    declare_unrouted_queue(channel, names)
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


def declare_unrouted_queue(channel: BlockingChannel, names: Names) -> None:
    """Declare <ns>.unrouted with its bounds, replacing a queue declared before it had them.

    A queue's arguments cannot change once it exists (the broker answers 406 and closes the
    channel), so the attempt runs on a channel of its own. On 406 the old queue is deleted and
    declared again: what it held is by definition wanted by nobody. Messages published in between
    find no queue behind the alternate exchange and are returned to the relay, which marks them
    unroutable, as it would have before the unrouted queue existed.
    """
    connection = channel.connection
    probe = connection.channel()
    try:
        probe.queue_declare(names.unrouted_queue, durable=True, arguments=UNROUTED_ARGUMENTS)
        probe.close()
        return
    except pika.exceptions.ChannelClosedByBroker as exc:
        if exc.reply_code != PRECONDITION_FAILED:
            raise
    log.warning("unrouted_queue_redeclared", queue=names.unrouted_queue, reason="arguments changed")
    replace = connection.channel()
    replace.queue_delete(names.unrouted_queue)
    replace.queue_declare(names.unrouted_queue, durable=True, arguments=UNROUTED_ARGUMENTS)
    replace.close()


def unrouted_depth(channel: BlockingChannel, names: Names) -> int:
    """How many events wait in <ns>.unrouted (passive: never creates it; raises if it is missing)."""
    return channel.queue_declare(names.unrouted_queue, passive=True).method.message_count
