"""The outbox relay: publishes committed outbox rows to the events exchange.

Messages are persistent and mandatory, on a channel with publisher confirms; a row becomes
`published` only after the broker confirmed it. A claimed batch is published as a whole and its
confirms awaited once (ADR 0032): a nacked row stays `pending` and goes out with a later batch.
A broker outage leaves rows `pending`, and they go out once the broker is back; a crash between
confirm and update re-sends the rows (consumers deduplicate by message id). Several relays may run: rows are claimed with
FOR UPDATE SKIP LOCKED. Published rows are pruned after a retention period (kept for audit and
for replaying by hand until then).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pika
import sqlalchemy as sa
import sqlalchemy.exc

from portal_shared.bus.connection import BROKER_ERRORS, Stopped, close_quietly, connect_with_backoff
from portal_shared.bus.outbox import PUBLISHED, UNROUTABLE
from portal_shared.bus.publisher import ConfirmedPublisher, Message
from portal_shared.bus.topology import Names, declare_exchanges
from portal_shared.config import BusSettings
from portal_shared.db import Database
from portal_shared.logging import get_logger

log = get_logger(__name__)

# Rows are chosen and locked by id and time alone, so a backlog of thousands is sorted without its
# payloads (which spilled the sort to disk); the body is then the stored JSON as text, not decoded and
# encoded again. The events of one transaction share `created_at`: `ctid` keeps them in the order
# they were written.
_CLAIM = sa.text(
    "SELECT id::text AS id, event_type, payload::text AS body, payload->>'correlation_id' AS correlation_id, "
    "(payload->>'version')::int AS version, payload->>'tenant_id' AS tenant_id FROM outbox WHERE id IN ("
    "SELECT id FROM outbox WHERE status = 'pending' ORDER BY created_at, ctid LIMIT :limit "
    "FOR UPDATE SKIP LOCKED) ORDER BY created_at, ctid"
)
_MARK = sa.text(
    "UPDATE outbox SET status = :status, attempts = attempts + 1, last_error = :error, "
    "published_at = :published_at WHERE id = ANY(CAST(:ids AS uuid[]))"
)
NACKED = "nacked by the broker"


@dataclass(frozen=True)
class Batch:
    """What became of one claimed batch, by row id (claimed in `created_at` order)."""
    claimed: list[str]
    published: list[str]
    unroutable: list[str]
    retried: list[str]      # nacked, or unconfirmed when the broker went away: still pending


def message_properties(payload: dict) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=payload["id"],
        type=payload["type"],
        correlation_id=payload.get("correlation_id"),
        timestamp=int(time.time()),
        headers={"version": payload["version"], "tenant_id": payload.get("tenant_id")},
    )


class OutboxRelay:
    def __init__(self, db: Database, settings: BusSettings, *, batch_size: int = 500,
                 poll_interval: float = 0.2, retention: timedelta = timedelta(days=7),
                 prune_every_seconds: float = 600.0, nack_pause: float = 0.5):
        self.db = db
        self.settings = settings
        self.names = Names(settings.namespace)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention
        self.prune_every_seconds = prune_every_seconds
        self.nack_pause = nack_pause
        self._last_prune = 0.0

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set, reconnecting to the broker and database as needed."""
        connection = None
        while not stop.is_set():
            try:
                if connection is None or not connection.is_open:
                    connection = connect_with_backoff(self.settings, stop, what="outbox-relay")
                    publisher = self.open_publisher(connection)
                batch = self.publish_pending(publisher)
                if not batch.claimed:
                    # Idle: service heartbeats while waiting for the next poll.
                    connection.process_data_events(time_limit=self.poll_interval)
                    self._prune_when_due()
                elif batch.retried:
                    # Nacked (e.g. a queue refusing more): try again soon, not in a tight loop.
                    connection.process_data_events(time_limit=self.nack_pause)
            except Stopped:
                break
            except BROKER_ERRORS as exc:
                log.warning("relay_broker_error", error=repr(exc))
                close_quietly(connection)
                connection = None
                stop.wait(0.5)
            except sqlalchemy.exc.SQLAlchemyError as exc:
                log.warning("relay_database_error", error=str(exc).splitlines()[0])
                stop.wait(1.0)
        close_quietly(connection)

    def _prune_when_due(self) -> None:
        if time.monotonic() - self._last_prune >= self.prune_every_seconds:
            self.prune()
            self._last_prune = time.monotonic()

    def prune(self) -> int:
        """Delete published rows older than the retention period; pending rows are never touched."""
        with self.db.unit_of_work() as session:
            deleted = session.execute(
                sa.text("DELETE FROM outbox WHERE status = 'published' AND published_at < :cutoff"),
                {"cutoff": datetime.now(UTC) - self.retention},
            ).rowcount
        if deleted:
            log.info("outbox_pruned", rows=deleted)
        return deleted

    def open_publisher(self, connection) -> ConfirmedPublisher:
        """A confirm channel on `connection`, with the exchanges declared."""
        publisher = ConfirmedPublisher(connection)
        declare_exchanges(publisher.channel, self.names)
        return publisher

    def publish_pending(self, publisher: ConfirmedPublisher) -> Batch:
        """Publish one batch of pending rows, waiting for the broker's confirms once for the whole batch.

        Each row is marked by what the broker said about that very message: acked → published, returned
        → unroutable, nacked or never confirmed (the broker went away) → still pending, retried later.
        """
        broker_error: BaseException | None = None
        with self.db.unit_of_work() as session:
            rows = session.execute(_CLAIM, {"limit": self.batch_size}).all()
            if not rows:
                return Batch([], [], [], [])
            try:
                confirms = publisher.publish(Message(
                    exchange=self.names.events_exchange, routing_key=row.event_type, body=row.body.encode(),
                    properties=message_properties({"id": row.id, "type": row.event_type, "version": row.version,
                                                   "correlation_id": row.correlation_id,
                                                   "tenant_id": row.tenant_id}),
                ) for row in rows)
            except BROKER_ERRORS as exc:
                # Whatever was confirmed before the broker went away is published; the rest waits.
                confirms, broker_error = publisher.confirms, exc
            published, unroutable = set(confirms.acked), set(confirms.returned)
            claimed = [row.id for row in rows]
            retried = [i for i in claimed if i not in published and i not in unroutable]
            now = datetime.now(UTC)
            if published:
                session.execute(_MARK, {"status": PUBLISHED, "error": None, "published_at": now,
                                        "ids": [i for i in claimed if i in published]})
            if unroutable:
                # Only without the alternate exchange (topology missing): keep them, flag them.
                session.execute(_MARK, {"status": UNROUTABLE, "error": "returned by the broker: no route",
                                        "published_at": None, "ids": list(unroutable)})
            if retried:
                session.execute(sa.text("UPDATE outbox SET attempts = attempts + 1, last_error = :e "
                                        "WHERE id = ANY(CAST(:ids AS uuid[]))"),
                                {"e": repr(broker_error) if broker_error else NACKED, "ids": retried})
        if published:
            # One line a batch: a line per event cost the relay as much as publishing it.
            log.info("events_published", count=len(published), event_ids=[i for i in claimed if i in published])
        for row in rows:
            if row.id in unroutable:
                log.error("event_unroutable", event_id=row.id, event_type=row.event_type)
        if retried and broker_error is None:
            log.warning("events_nacked", count=len(retried), event_ids=retried[:20])
        if broker_error is not None:
            raise broker_error
        return Batch(claimed, [i for i in claimed if i in published], [i for i in claimed if i in unroutable],
                     retried)
