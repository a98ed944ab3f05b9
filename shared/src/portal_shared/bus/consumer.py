"""The idempotent consumer: inbox-deduplicated, acked after commit, retried, then dead-lettered.

For each message: in one transaction, record (consumer, message id) in the inbox and apply
the handler; commit; then ack. A redelivery (after a crash before the ack) finds the inbox
row and is acked with no second effect. Messages that have arrived together (up to the
prefetch) share that transaction and one ack (`multiple`) after its commit (ADR 0032); when a
handler fails, the batch is rolled back and its messages are applied one at a time, each in a
transaction of its own, so only the failing one is retried.

A handler error sends a copy to a delay queue that dead-letters it back after the delay
(bounded retries with growing backoff) and acks the original, so one failing message never
blocks the queue; after the last retry the message goes to the consumer's dead-letter queue. A database outage is not the message's fault: the
message is requeued after a pause without spending a retry.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pika
import sqlalchemy.exc
from marshmallow import ValidationError
from sqlalchemy.orm import Session

from portal_shared.bus.connection import BROKER_ERRORS, Stopped, close_quietly, connect_with_backoff
from portal_shared.bus.outbox import mark_processed, mark_processed_many
from portal_shared.bus.topology import Names, declare_consumer_queues
from portal_shared.config import BusSettings
from portal_shared.db import Database
from portal_shared.events.envelope import Envelope
from portal_shared.logging import bind_ids, clear_ids, get_logger
from portal_shared.page_versions import note_write

log = get_logger(__name__)

Handler = Callable[[Session, Envelope], None]
ATTEMPT_HEADER = "x-portal-attempt"
ERROR_HEADER = "x-portal-error"
_DATABASE_DOWN = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)


@dataclass(frozen=True)
class Delivery:
    method: pika.spec.Basic.Deliver
    properties: pika.BasicProperties
    body: bytes


class Consumer:
    def __init__(self, *, name: str, handlers: dict[str, Handler], db: Database, settings: BusSettings):
        self.name = name
        self.handlers = handlers
        self.db = db
        self.settings = settings
        self.names = Names(settings.namespace)
        self.queue = self.names.queue(name)

    def declare(self, channel) -> None:
        declare_consumer_queues(channel, self.names, self.name, self.handlers, self.settings.retry_delays_ms,
                                self.settings.quorum_queues)

    def run(self, stop: threading.Event) -> None:
        connection = None
        while not stop.is_set():
            try:
                connection = connect_with_backoff(self.settings, stop, what=f"consumer:{self.name}")
                channel = connection.channel()
                self.declare(channel)
                self._publisher = connection.channel()
                self._publisher.confirm_delivery()
                channel.basic_qos(prefetch_count=self.settings.prefetch)
                received: list[Delivery] = []
                channel.basic_consume(self.queue, auto_ack=False, on_message_callback=lambda _channel, method,
                                      properties, body: received.append(Delivery(method, properties, body)))
                log.info("consumer_started", consumer=self.name, queue=self.queue)
                while not stop.is_set():
                    connection.process_data_events(time_limit=0.5)
                    # Take in whatever else has already arrived, then apply it all in one transaction.
                    while received and len(received) < self.settings.prefetch:
                        before = len(received)
                        connection.process_data_events(time_limit=0)
                        if len(received) == before:
                            break
                    if received:
                        batch, received[:] = list(received), []
                        self._on_batch(channel, batch)
            except Stopped:
                break
            except BROKER_ERRORS as exc:
                log.warning("consumer_broker_error", consumer=self.name, error=repr(exc))
                stop.wait(0.5)
            finally:
                close_quietly(connection)
                connection = None

    # -- a batch of messages -----------------------------------------------------------------

    def _on_batch(self, channel, batch: list[Delivery]) -> None:
        if len(batch) == 1:
            self._on_message(channel, batch[0].method, batch[0].properties, batch[0].body)
            return
        envelopes: list[Envelope] = []
        for delivery in batch:
            try:
                envelope = Envelope.from_dict(json.loads(delivery.body))
            except (ValueError, TypeError, KeyError, ValidationError):
                envelope = None
            if envelope is None or envelope.type not in self.handlers:
                # Dead-lettering needs a confirmed publish before its ack: the one-at-a-time path does that.
                self._one_at_a_time(channel, batch)
                return
            envelopes.append(envelope)
        try:
            with self.db.unit_of_work() as session:
                fresh = mark_processed_many(session, self.name, [(e.id, e.type) for e in envelopes])
                for envelope in envelopes:
                    if envelope.id not in fresh:
                        log.info("event_duplicate_ignored", consumer=self.name, event_id=envelope.id)
                        continue
                    fresh.discard(envelope.id)  # a second copy in the same batch is a duplicate too
                    bind_ids(correlation_id=envelope.correlation_id)
                    self.handlers[envelope.type](session, envelope)
                    note_write(session, envelope.tenant_id)  # pages showing this tenant's data are stale
                    log.info("event_handled", consumer=self.name, event_id=envelope.id, event_type=envelope.type)
                    clear_ids()
        except _DATABASE_DOWN as exc:
            clear_ids()
            log.warning("consumer_database_unavailable", consumer=self.name, error=str(exc).splitlines()[0])
            channel.connection.sleep(2.0)
            channel.basic_nack(batch[-1].method.delivery_tag, multiple=True, requeue=True)
            return
        except Exception:  # noqa: BLE001 - rolled back: find the failing message(s) one at a time
            clear_ids()
            self._one_at_a_time(channel, batch)
            return
        for envelope in envelopes:
            self.before_ack(envelope)
        channel.basic_ack(batch[-1].method.delivery_tag, multiple=True)

    def _one_at_a_time(self, channel, batch: list[Delivery]) -> None:
        for delivery in batch:
            self._on_message(channel, delivery.method, delivery.properties, delivery.body)

    # -- one message -------------------------------------------------------------------------

    def _on_message(self, channel, method, properties, body: bytes) -> None:
        attempt = int((properties.headers or {}).get(ATTEMPT_HEADER, 0))
        try:
            envelope = Envelope.from_dict(json.loads(body))
        except (ValueError, TypeError, KeyError, ValidationError) as exc:
            self._dead_letter(body, properties, f"malformed message: {exc}")
            channel.basic_ack(method.delivery_tag)
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            self._dead_letter(body, properties, f"no handler for {envelope.type}")
            channel.basic_ack(method.delivery_tag)
            return

        bind_ids(correlation_id=envelope.correlation_id)
        try:
            with self.db.unit_of_work() as session:
                if mark_processed(session, self.name, envelope.id, envelope.type):
                    handler(session, envelope)
                    note_write(session, envelope.tenant_id)  # pages showing this tenant's data are stale
                    log.info("event_handled", consumer=self.name, event_id=envelope.id, event_type=envelope.type)
                else:
                    log.info("event_duplicate_ignored", consumer=self.name, event_id=envelope.id)
        except _DATABASE_DOWN as exc:
            log.warning("consumer_database_unavailable", consumer=self.name, error=str(exc).splitlines()[0])
            channel.connection.sleep(2.0)
            channel.basic_nack(method.delivery_tag, requeue=True)
            return
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
            log.exception("event_failed", consumer=self.name, event_id=envelope.id, attempt=attempt + 1)
            self._retry_or_dead_letter(body, properties, attempt, repr(exc))
            channel.basic_ack(method.delivery_tag)
            return
        finally:
            clear_ids()
        self.before_ack(envelope)
        channel.basic_ack(method.delivery_tag)

    def before_ack(self, envelope: Envelope) -> None:
        """Called after commit, before ack. A seam for crash tests; does nothing in production."""

    def _retry_or_dead_letter(self, body: bytes, properties, attempt: int, error: str) -> None:
        if attempt >= self.settings.max_retries:
            self._dead_letter(body, properties, error)
            return
        delays = self.settings.retry_delays_ms
        delay = delays[min(attempt, len(delays) - 1)]
        self._republish(self.names.retry_queue(self.name, delay), body, properties,
                        {ATTEMPT_HEADER: attempt + 1, ERROR_HEADER: error[:500]})

    def _dead_letter(self, body: bytes, properties, error: str) -> None:
        log.error("event_dead_lettered", consumer=self.name, message_id=properties.message_id, error=error)
        self._republish(self.names.dead_letter_queue(self.name), body, properties,
                        {ERROR_HEADER: error[:2000], "x-portal-dead-lettered-at": datetime.now(UTC).isoformat(),
                         "x-portal-routing-key": properties.type})

    def _republish(self, queue: str, body: bytes, properties, extra_headers: dict) -> None:
        """Publish a copy with confirms; raises (and so leaves the original unacked) if not confirmed."""
        headers = {**(properties.headers or {}), **extra_headers}
        props = pika.BasicProperties(
            content_type=properties.content_type, delivery_mode=pika.DeliveryMode.Persistent,
            message_id=properties.message_id, type=properties.type,
            correlation_id=properties.correlation_id, timestamp=properties.timestamp, headers=headers,
        )
        self._publisher.basic_publish(exchange="", routing_key=queue, body=body, properties=props, mandatory=True)
