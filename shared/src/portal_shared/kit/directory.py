"""A feature service's copy of identity's directory (plumbing only): the properties, contacts and staff
its pages name, fed by `property_upserted`, `contact_upserted` and `staff_upserted` and never asked of
identity on a request path. Each service keeps the tables it needs (`properties` from `directory_properties`
with its own extra columns; contacts or staff as Core tables with `id`, `tenant_id` and a version
column); this module applies the events to them and looks a property up by the back office's id.

Events arrive at least once and not in order, so a handler keeps the newest copy: properties and
contacts by their `revision`, staff (whose event has none) by the envelope's `occurred_at`. A copy
of another tenant's row is never overwritten.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_shared.errors import ValidationFailed
from portal_shared.events.envelope import Envelope, load_event


ID = UUID(as_uuid=False)
EXTERNAL_ID_LENGTH = 100     # the back office's ids (as identity's contacts/properties.external_id)


def directory_properties(metadata: sa.MetaData, *extra: sa.Column) -> sa.Table:
    """The `properties` table of a service's directory: name, address, the back office's id and the
    revision, plus the service's `extra` columns (e.g. `sales_rep_id`), which property_upserted fills."""
    return sa.Table(
        "properties", metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("branch_id", ID, nullable=False),
        sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("street", sa.String(200), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("state", sa.String(100), nullable=True),
        sa.Column("zip", sa.String(20), nullable=True),
        *extra,
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Index("ix_properties_tenant_external_id", "tenant_id", "external_id"),
    )


def upsert_newest(session: Session, table: sa.Table, row: dict[str, Any], *, version: str = "revision") -> bool:
    """Insert the row, or replace the stored one when `row[version]` is newer (and the tenant the same).
    Only the table's own columns are written; returns whether anything was."""
    row = {k: v for k, v in row.items() if k in table.c}
    stmt = pg_insert(table).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.id], set_={k: stmt.excluded[k] for k in row if k not in ("id", "tenant_id")},
        where=(table.c[version] < stmt.excluded[version]) & (table.c.tenant_id == stmt.excluded.tenant_id),
    ).returning(table.c.id)
    return session.execute(stmt).first() is not None


def _id(value) -> str | None:
    return None if value is None else str(value)


def property_row(envelope: Envelope) -> dict[str, Any]:
    tenant_id, data = load_event(envelope, "property_upserted")
    return {"id": str(data["property_id"]), "tenant_id": tenant_id, "branch_id": str(data["branch_id"]),
            "external_id": data.get("external_id"), "name": data["name"], "street": data["street"],
            "city": data["city"], "state": data["state"], "zip": data["zip"],
            "account_owner_id": _id(data["account_owner_id"]),
            "operations_manager_id": _id(data["operations_manager_id"]),
            "sales_rep_id": _id(data["sales_rep_id"]), "revision": data["revision"]}


def contact_row(envelope: Envelope) -> dict[str, Any]:
    tenant_id, data = load_event(envelope, "contact_upserted")
    return {"id": str(data["contact_id"]), "tenant_id": tenant_id, "external_id": data.get("external_id"),
            "email": data["email"], "first_name": data["first_name"], "last_name": data["last_name"],
            "revision": data["revision"]}


def staff_row(envelope: Envelope) -> dict[str, Any]:
    tenant_id, data = load_event(envelope, "staff_upserted")
    return {"id": str(data["staff_id"]), "tenant_id": tenant_id, "email": data["email"],
            "first_name": data["first_name"], "last_name": data["last_name"], "title": data["title"],
            "phone": data["phone"], "active": data["active"],
            "occurred_at": datetime.fromisoformat(envelope.occurred_at)}


def directory_handlers(*, properties: sa.Table | None = None, contacts: sa.Table | None = None,
                       staff: sa.Table | None = None) -> dict[str, Any]:
    """The handler table of a `<service>.directory` consumer for the tables the service keeps."""
    handlers: dict[str, Any] = {}
    if properties is not None:
        handlers["property_upserted"] = lambda session, envelope: upsert_newest(
            session, properties, property_row(envelope))
    if contacts is not None:
        handlers["contact_upserted"] = lambda session, envelope: upsert_newest(
            session, contacts, contact_row(envelope))
    if staff is not None:
        handlers["staff_upserted"] = lambda session, envelope: upsert_newest(
            session, staff, staff_row(envelope), version="occurred_at")
    return handlers


def property_by_external_id(session: Session, properties: sa.Table, *, tenant_id: str, external_id: str):
    return session.execute(sa.select(properties).where(
        properties.c.tenant_id == tenant_id, properties.c.external_id == external_id)).first()


def property_or_422(session: Session, properties: sa.Table, *, tenant_id: str, external_id: str,
                    service: str):
    """The tenant's property the back office knows as `external_id`, or a 422 naming `property_external_id`."""
    prop = property_by_external_id(session, properties, tenant_id=tenant_id, external_id=external_id)
    if prop is None:
        raise ValidationFailed("Unknown property.", errors={"property_external_id": [
            f"No property {external_id}: PUT it to /api/identity/integration/properties/{external_id} first "
            f"(it reaches {service} within seconds; retry)."]})
    return prop


def upsert_by_external_id(session: Session, table: sa.Table, row: dict[str, Any]) -> str:
    """Insert or replace the tenant's record with this external id (constraint
    `uq_<table>_tenant_external_id`, column `updated_at`); returns its id."""
    stmt = pg_insert(table).values(id=str(uuid.uuid4()), updated_at=sa.func.now(), **row)
    stmt = stmt.on_conflict_do_update(
        constraint=f"uq_{table.name}_tenant_external_id",
        set_={**{k: stmt.excluded[k] for k in row if k not in ("tenant_id", "external_id")},
              "updated_at": sa.func.now()},
    ).returning(table.c.id)
    return session.scalar(stmt)
