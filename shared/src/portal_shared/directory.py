"""identity's directory as a feature service keeps it (a read model): the properties (name, address,
branch, the back office's id) and contacts (name, email, the back office's id) its records name.
Fed by `property_upserted` and `contact_upserted` through the service's `<service>.directory`
consumer; never asked of identity on a request path (ADR 0009). The parts, as in `access`:

- `define_directory_tables(metadata)` for the models, `create_properties_table(op)` /
  `create_contacts_table(op)` for a migration;
- `directory_handlers(properties, contacts, staff)`: the consumer's handler table (each loads its event
  through the v1 contract and keeps the newest revision: events arrive at least once, not in order);
- with the property's staff (`with_property_staff`: its account owner, operations manager and sales rep,
  by staff id) and `define_staff_table` (fed by `staff_upserted`, newest `occurred_at` wins: its contract
  has no revision), for a service that emails the staff who look after a property (requests);
- `property_by_external_id(...)`: the property the back office names by its own id.

`upsert_newest` is the rule every read model fed by versioned events keeps (billing's payment
settings and proposals' branch settings too): an older or repeated copy changes nothing.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_shared.events.envelope import Envelope, load_event

EXTERNAL_ID_LENGTH = 100     # the back office's ids (as identity's contacts/properties.external_id)
_ID = UUID(as_uuid=False)


def _property_columns(with_property_staff: bool = False) -> list:
    return [
        sa.Column("id", _ID, primary_key=True),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("branch_id", _ID, nullable=False),
        sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("street", sa.String(200), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("state", sa.String(100), nullable=True),
        sa.Column("zip", sa.String(20), nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
    ] + ([sa.Column("account_owner_id", _ID, nullable=True),
          sa.Column("operations_manager_id", _ID, nullable=True),
          sa.Column("sales_rep_id", _ID, nullable=True)] if with_property_staff else [])


def _staff_columns() -> list:
    return [
        sa.Column("id", _ID, primary_key=True),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _contact_columns() -> list:
    return [
        sa.Column("id", _ID, primary_key=True),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    ]


def define_directory_tables(metadata: sa.MetaData, *, with_contacts: bool = True,
                            with_property_staff: bool = False) -> tuple[sa.Table, sa.Table | None]:
    """Add `properties` (and `contacts`) to `metadata`; returns (properties, contacts or None)."""
    properties = sa.Table("properties", metadata, *_property_columns(with_property_staff),
                          sa.Index("ix_properties_tenant_external_id", "tenant_id", "external_id"))
    contacts = None
    if with_contacts:
        contacts = sa.Table("contacts", metadata, *_contact_columns(),
                            sa.Index("ix_contacts_tenant_external_id", "tenant_id", "external_id"),
                            sa.Index("ix_contacts_tenant_email", "tenant_id", "email"))
    return properties, contacts


def define_staff_table(metadata: sa.MetaData) -> sa.Table:
    """Add `staff` (email, names, active) to `metadata`."""
    return sa.Table("staff", metadata, *_staff_columns())


# -- for migrations (the shape as it shipped) ---------------------------------------------------

def create_properties_table(op, *, with_property_staff: bool = False) -> None:
    op.create_table("properties", *_property_columns(with_property_staff))
    op.create_index("ix_properties_tenant_external_id", "properties", ["tenant_id", "external_id"])


def create_contacts_table(op) -> None:
    op.create_table("contacts", *_contact_columns())
    op.create_index("ix_contacts_tenant_external_id", "contacts", ["tenant_id", "external_id"])
    op.create_index("ix_contacts_tenant_email", "contacts", ["tenant_id", "email"])


def create_staff_table(op) -> None:
    op.create_table("staff", *_staff_columns())


# -- keeping it -----------------------------------------------------------------------------------

def upsert_newest(session: Session, table: sa.Table, row: dict, *, key: str = "id", order: str = "revision") -> bool:
    """Insert the row, or replace the stored one when its `order` column is newer (and the tenant the
    same); True when something was written."""
    stmt = pg_insert(table).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[key]], set_={k: stmt.excluded[k] for k in row if k not in (key, "tenant_id")},
        where=(table.c[order] < stmt.excluded[order]) & (table.c.tenant_id == stmt.excluded.tenant_id),
    ).returning(table.c[key])
    return session.execute(stmt).first() is not None


def directory_handlers(properties: sa.Table, contacts: sa.Table | None = None, staff: sa.Table | None = None) -> dict:
    """The `<service>.directory` consumer's handlers: {event type: handler(session, envelope)}."""
    def apply_property_upserted(session: Session, envelope: Envelope) -> bool:
        tenant_id, data = load_event(envelope, "property_upserted")
        row = {"id": str(data["property_id"]), "tenant_id": tenant_id, "branch_id": str(data["branch_id"]),
               "external_id": data.get("external_id"), "name": data["name"], "street": data["street"],
               "city": data["city"], "state": data["state"], "zip": data["zip"], "revision": data["revision"]}
        if "account_owner_id" in properties.c:
            row.update({role: None if data.get(role) is None else str(data[role])
                        for role in ("account_owner_id", "operations_manager_id", "sales_rep_id")})
        return upsert_newest(session, properties, row)

    def apply_staff_upserted(session: Session, envelope: Envelope) -> bool:
        tenant_id, data = load_event(envelope, "staff_upserted")
        return upsert_newest(session, staff, {
            "id": str(data["staff_id"]), "tenant_id": tenant_id, "email": data["email"],
            "first_name": data["first_name"], "last_name": data["last_name"], "active": data["active"],
            "occurred_at": datetime.fromisoformat(str(envelope.occurred_at))}, order="occurred_at")

    def apply_contact_upserted(session: Session, envelope: Envelope) -> bool:
        tenant_id, data = load_event(envelope, "contact_upserted")
        return upsert_newest(session, contacts, {
            "id": str(data["contact_id"]), "tenant_id": tenant_id, "external_id": data.get("external_id"),
            "email": data["email"], "first_name": data["first_name"], "last_name": data["last_name"],
            "revision": data["revision"]})

    handlers = {"property_upserted": apply_property_upserted}
    if contacts is not None:
        handlers["contact_upserted"] = apply_contact_upserted
    if staff is not None:
        handlers["staff_upserted"] = apply_staff_upserted
    return handlers


def property_by_external_id(session: Session, properties: sa.Table, *, tenant_id: str, external_id: str):
    return session.execute(sa.select(properties).where(
        properties.c.tenant_id == tenant_id, properties.c.external_id == external_id)).first()


def tenant_holding(session: Session, properties: sa.Table, external_ids: list[str]) -> list[str]:
    """The tenants whose directory holds every one of these properties (a seed waits for its tenant)."""
    return [str(t) for t in session.scalars(
        sa.select(properties.c.tenant_id).where(properties.c.external_id.in_(external_ids))
        .group_by(properties.c.tenant_id)
        .having(sa.func.count(sa.distinct(properties.c.external_id)) == len(set(external_ids))))]
