"""A feature service's copy of identity's directory (plumbing, ADR 0009): the properties, contacts and
staff members its pages and emails name, fed by `property_upserted`, `contact_upserted` and
`staff_upserted`; never asked of identity on a request path.

Each service declares the tables with the columns it needs (`directory_tables`) and builds its
handlers from them (`directory_handlers`): a handler loads its event through the v1 contract, keeps
only the columns the service's table has, and keeps the newest copy (by `revision`, or for staff,
whose contract has no revision, by the envelope's `occurred_at`): events arrive at least once and
not in order, so an older or repeated one changes nothing. A row never moves to another tenant.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_shared.events.envelope import Envelope, load_event

ID = UUID(as_uuid=False)
EXTERNAL_ID_LENGTH = 100   # the back office's ids (identity's contacts/properties.external_id)


def property_columns(*, staff: bool = False) -> list[sa.Column]:
    """`properties`: branch, the back office's id, name and address (+ its account owner, operations
    manager and sales rep, staff ids, when `staff`)."""
    columns = [
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("branch_id", ID, nullable=False),
        sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("street", sa.String(200), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("state", sa.String(100), nullable=True),
        sa.Column("zip", sa.String(20), nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
    ]
    if staff:
        columns += [sa.Column("account_owner_id", ID, nullable=True),
                    sa.Column("operations_manager_id", ID, nullable=True),
                    sa.Column("sales_rep_id", ID, nullable=True)]
    return columns


def contact_columns() -> list[sa.Column]:
    return [
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    ]


def staff_columns() -> list[sa.Column]:
    return [
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upsert_newest(session: Session, table: sa.Table, row: dict, *, newer_by: str = "revision") -> bool:
    """Insert the row (only the columns `table` has), or replace the stored one when this copy is newer
    by `newer_by` (and the tenant the same). True when it was written."""
    row = {k: v for k, v in row.items() if k in table.c}
    stmt = pg_insert(table).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.id], set_={k: stmt.excluded[k] for k in row if k not in ("id", "tenant_id")},
        where=(table.c[newer_by] < stmt.excluded[newer_by]) & (table.c.tenant_id == stmt.excluded.tenant_id),
    ).returning(table.c.id)
    return session.execute(stmt).first() is not None


def _text_id(value: Any) -> str | None:
    return None if value is None else str(value)


def directory_handlers(*, properties: sa.Table | None = None, contacts: sa.Table | None = None,
                       staff: sa.Table | None = None) -> dict[str, Callable[[Session, Envelope], bool]]:
    """The consumer's handler table for the directory tables given."""
    handlers: dict[str, Callable[[Session, Envelope], bool]] = {}

    if properties is not None:
        def apply_property_upserted(session: Session, envelope: Envelope) -> bool:
            tenant_id, data = load_event(envelope, "property_upserted")
            return upsert_newest(session, properties, {
                "id": str(data["property_id"]), "tenant_id": tenant_id, "branch_id": str(data["branch_id"]),
                "external_id": data.get("external_id"), "name": data["name"], "street": data["street"],
                "city": data["city"], "state": data["state"], "zip": data["zip"], "revision": data["revision"],
                "account_owner_id": _text_id(data.get("account_owner_id")),
                "operations_manager_id": _text_id(data.get("operations_manager_id")),
                "sales_rep_id": _text_id(data.get("sales_rep_id"))})
        handlers["property_upserted"] = apply_property_upserted

    if contacts is not None:
        def apply_contact_upserted(session: Session, envelope: Envelope) -> bool:
            tenant_id, data = load_event(envelope, "contact_upserted")
            return upsert_newest(session, contacts, {
                "id": str(data["contact_id"]), "tenant_id": tenant_id, "external_id": data.get("external_id"),
                "email": data["email"], "first_name": data["first_name"], "last_name": data["last_name"],
                "revision": data["revision"]})
        handlers["contact_upserted"] = apply_contact_upserted

    if staff is not None:
        def apply_staff_upserted(session: Session, envelope: Envelope) -> bool:
            tenant_id, data = load_event(envelope, "staff_upserted")
            return upsert_newest(session, staff, {
                "id": str(data["staff_id"]), "tenant_id": tenant_id, "email": data["email"],
                "first_name": data["first_name"], "last_name": data["last_name"], "active": data["active"],
                "occurred_at": datetime.fromisoformat(str(envelope.occurred_at))}, newer_by="occurred_at")
        handlers["staff_upserted"] = apply_staff_upserted

    return handlers


def property_by_external_id(session: Session, table: sa.Table, *, tenant_id: str, external_id: str):
    return session.execute(sa.select(table).where(
        table.c.tenant_id == tenant_id, table.c.external_id == external_id)).first()
