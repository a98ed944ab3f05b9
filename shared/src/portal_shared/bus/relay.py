"""The outbox relay: publishes committed outbox rows to the events exchange.

Messages are persistent and mandatory, on a channel with publisher confirms; a row becomes
`published` only after the broker confirmed it. A broker outage leaves rows `pending`, and
they go out once the broker is back; a crash between confirm and update re-sends the row
(consumers deduplicate by message id). Several relays may run: rows are claimed with
FOR UPDATE SKIP LOCKED. Published rows are pruned after a retention period (kept for audit and
for replaying by hand until then).
"""
from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pika
import pika.exceptions
import sqlalchemy as sa
import sqlalchemy.exc

from portal_shared.bus.connection import BROKER_ERRORS, Stopped, close_quietly, connect_with_backoff
from portal_shared.bus.outbox import PUBLISHED, UNROUTABLE
from portal_shared.bus.topology import Names, declare_exchanges
from portal_shared.config import BusSettings
from portal_shared.db import Database
from portal_shared.logging import get_logger

log = get_logger(__name__)

_CLAIM = sa.text(
    "SELECT id, event_type, payload FROM outbox WHERE status = 'pending' "
    "ORDER BY created_at LIMIT :limit FOR UPDATE SKIP LOCKED"
)
_MARK = sa.text(
    "UPDATE outbox SET status = :status, attempts = attempts + 1, last_error = :error, "
    "published_at = :published_at WHERE id = :id"
)


def message_properties(payload: dict) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=payload["id"],
        type=payload["type"],
        correlation_id=payload.get("correlation_id"),
        timestamp=int(datetime.now(UTC).timestamp()),
        headers={"version": payload["version"], "tenant_id": payload.get("tenant_id")},
    )


class OutboxRelay:
    def __init__(self, db: Database, settings: BusSettings, *, batch_size: int = 100,
                 poll_interval: float = 0.2, retention: timedelta = timedelta(days=7),
                 prune_every_seconds: float = 600.0):
        self.db = db
        self.settings = settings
        self.names = Names(settings.namespace)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention
        self.prune_every_seconds = prune_every_seconds
        self._last_prune = 0.0

    def run(self, stop: threading.Event) -> None:
        """Publish until `stop` is set, reconnecting to the broker and database as needed."""
        connection = None
        while not stop.is_set():
            try:
                if connection is None or not connection.is_open:
                    connection = connect_with_backoff(self.settings, stop, what="outbox-relay")
                    channel = connection.channel()
                    channel.confirm_delivery()
                    declare_exchanges(channel, self.names)
                if self.publish_pending(channel) == 0:
                    # Idle: service heartbeats while waiting for the next poll.
                    connection.process_data_events(time_limit=self.poll_interval)
                    self._prune_when_due()
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

    def publish_pending(self, channel) -> int:
        """Publish one batch of pending rows; returns how many rows were claimed."""
        broker_error: BaseException | None = None
        with self.db.unit_of_work() as session:
            rows = session.execute(_CLAIM, {"limit": self.batch_size}).all()
            for row in rows:
                status, error = PUBLISHED, None
                try:
                    channel.basic_publish(
                        exchange=self.names.events_exchange,
                        routing_key=row.event_type,
                        body=json.dumps(row.payload).encode(),
                        properties=message_properties(row.payload),
                        mandatory=True,
                    )
                except pika.exceptions.UnroutableError:
                    # Only without the alternate exchange (topology missing): keep it, flag it.
                    status, error = UNROUTABLE, "returned by the broker: no route"
                    log.error("event_unroutable", event_id=row.id, event_type=row.event_type)
                except BROKER_ERRORS as exc:
                    # Not confirmed: the row stays pending and the rest of the batch waits.
                    session.execute(sa.text("UPDATE outbox SET attempts = attempts + 1, last_error = :e "
                                            "WHERE id = :id"), {"e": repr(exc), "id": row.id})
                    broker_error = exc
                    break
                session.execute(_MARK, {"status": status, "error": error, "id": row.id,
                                        "published_at": datetime.now(UTC) if status == PUBLISHED else None})
                if status == PUBLISHED:
                    log.info("event_published", event_id=row.id, event_type=row.event_type)
        if broker_error is not None:
            raise broker_error
        return len(rows)
