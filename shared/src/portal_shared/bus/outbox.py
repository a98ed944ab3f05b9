"""Outbox and inbox tables, and writing an event in the caller's transaction.

Each service's metadata includes these two tables (`define_bus_tables`) and its first
migration creates them (`portal_shared.migrations.create_bus_tables`).

- outbox: one row per event to publish; `status` pending → published (or unroutable);
  `attempts` counts publish tries, `last_error` says why the last one failed.
- inbox: (consumer, message_id) of every message a consumer has applied, written in the same
  transaction as the effect, so a redelivery is recognised and has no second effect.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Session

from portal_shared.events.envelope import Envelope
from portal_shared.page_versions import note_write

PENDING, PUBLISHED, UNROUTABLE = "pending", "published", "unroutable"


def define_bus_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    outbox = sa.Table(
        "outbox", metadata,
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("tenant_id", UUID(as_uuid=False), nullable=True),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default=PENDING),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Index("ix_outbox_pending", "created_at", postgresql_where=sa.text("status = 'pending'")),
    )
    inbox = sa.Table(
        "inbox", metadata,
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("message_id", sa.String(100), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    return outbox, inbox


def record_event(session: Session, event: Envelope) -> None:
    """Add the event to the outbox in the session's transaction; the relay publishes it after commit."""
    session.execute(
        sa.text("INSERT INTO outbox (id, event_type, tenant_id, payload) "
                "VALUES (:id, :event_type, :tenant_id, CAST(:payload AS JSONB))"),
        {"id": event.id, "event_type": event.type, "tenant_id": event.tenant_id,
         "payload": json.dumps(event.to_dict())},
    )
    note_write(session, event.tenant_id)  # what changed with the event changes the tenant's pages


def record_events(session: Session, events: list[Envelope]) -> None:
    """`record_event` for many events in one statement (a bulk write's hundreds of events: one round trip)."""
    if not events:
        return
    # One JSON array rather than arrays of values: psycopg escapes each element of a text array in Python.
    session.execute(
        sa.text("INSERT INTO outbox (id, event_type, tenant_id, payload) "
                "SELECT CAST(e->>'id' AS uuid), e->>'type', CAST(e->>'tenant_id' AS uuid), e "
                "FROM jsonb_array_elements(CAST(:events AS jsonb)) AS e"),
        {"events": json.dumps([e.to_dict() for e in events])},
    )
    for tenant_id in {e.tenant_id for e in events}:
        note_write(session, tenant_id)


def mark_processed(session: Session, consumer: str, message_id: str, event_type: str) -> bool:
    """Record that `consumer` applied `message_id`. False when it already had (a redelivery)."""
    return message_id in mark_processed_many(session, consumer, [(message_id, event_type)])


def mark_processed_many(session: Session, consumer: str, messages: list[tuple[str, str]]) -> set[str]:
    """Record (message id, event type) pairs for `consumer` in one statement; returns the ids that are
    new (a redelivered id, or the second copy of an id within `messages`, is not)."""
    rows = session.execute(
        sa.text("INSERT INTO inbox (consumer, message_id, event_type) "
                "SELECT :c, m, t FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) AS x(m, t) "
                "ON CONFLICT DO NOTHING RETURNING message_id"),
        {"c": consumer, "ids": [m for m, _ in messages], "types": [t for _, t in messages]},
    ).scalars()
    return set(rows)
