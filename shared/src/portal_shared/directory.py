"""identity's directory as a feature service keeps it (a read model): the properties (name, address,
branch, the back office's id; optionally the property's sales rep), contacts (name, email, the back
office's id) and staff (name, title, phone, email) its records name. Fed by `property_upserted`,
`contact_upserted` and `staff_upserted` through the service's `<service>.directory` consumer; never
asked of identity on a request path (ADR 0009). The one place for it (ADR 0027); the parts, as in
`access`:

- `define_directory_tables(metadata, with_contacts=..., with_sales_rep=..., with_property_staff=...)`
  and `define_staff_table(metadata)` for the models, `create_properties_table(op)` /
  `create_contacts_table(op)` / `create_staff_table(op)` for a migration (visits's migration 0004
  spells out its own `properties`, with `sales_rep_id`, and `staff`);
- `with_sales_rep`: properties keep the property's sales rep (visits's service contact);
  `with_property_staff`: its account owner, operations manager and sales rep (requests emails them);
- `directory_handlers(properties, contacts, staff)`: the consumer's handler table for the tables
  the service keeps (each loads its event through the v1 contract and keeps the newest copy: events
  arrive at least once, not in order; properties and contacts by `revision`, staff, whose event has
  none, by the envelope's `occurred_at`; a property or contact claiming a back-office id another record
  of the tenant still holds takes it from it);
- `property_by_external_id(...)` / `property_or_422(...)`: the property the back office names by its
  own id (the second a 422 on `property_external_id` when it has not arrived yet);
- `upsert_by_external_id(...)`: the back office's PUT of a record by its external id;
- `sales_rep_contact(...)`: the property's sales rep as the customer's *Service Contact* (billing's
  invoice; `show_phone` False leaves the phone out, as the branch's `show_sales_rep_phone` says).

`upsert_newest` is the rule every read model fed by versioned events keeps (billing's payment
settings and proposals' branch settings too): an older or repeated copy changes nothing, and a copy
of another tenant's row is never overwritten.
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_shared.errors import ValidationFailed
from portal_shared.events.envelope import Envelope, load_event

EXTERNAL_ID_LENGTH = 100     # the back office's ids (as identity's contacts/properties.external_id)
_ID = UUID(as_uuid=False)


def _property_columns(*, with_sales_rep: bool = False, with_property_staff: bool = False) -> list:
    sales_rep = [sa.Column("sales_rep_id", _ID, nullable=True)] if with_sales_rep and not with_property_staff else []
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
        *sales_rep,
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
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(50), nullable=True),
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


def define_directory_tables(metadata: sa.MetaData, *, with_contacts: bool = True, with_sales_rep: bool = False,
                            with_property_staff: bool = False,
                            unique_external_ids: bool = False) -> tuple[sa.Table, sa.Table | None]:
    """Add `properties` (and `contacts`) to `metadata`; returns (properties, contacts or None).
    `with_sales_rep`: properties also keep the property's `sales_rep_id` (a staff id; visits's service
    contact); `with_property_staff`: its account owner, operations manager and sales rep (requests).
    `unique_external_ids`: the database also holds one record per (tenant, back-office id)
    (`uq_<table>_tenant_external_id`; the service's migration adds it with `add_unique_external_ids(op)`)."""
    def unique(table: str) -> list:
        return ([sa.UniqueConstraint("tenant_id", "external_id", name=f"uq_{table}_tenant_external_id")]
                if unique_external_ids else [])

    properties = sa.Table("properties", metadata, *_property_columns(with_sales_rep=with_sales_rep,
                                                                     with_property_staff=with_property_staff),
                          sa.Index("ix_properties_tenant_external_id", "tenant_id", "external_id"),
                          *unique("properties"))
    contacts = None
    if with_contacts:
        contacts = sa.Table("contacts", metadata, *_contact_columns(),
                            sa.Index("ix_contacts_tenant_external_id", "tenant_id", "external_id"),
                            sa.Index("ix_contacts_tenant_email", "tenant_id", "email"), *unique("contacts"))
    return properties, contacts


def define_staff_table(metadata: sa.MetaData) -> sa.Table:
    """Add `staff` (identity's staff users as `staff_upserted` publishes them) to `metadata`."""
    return sa.Table("staff", metadata, *_staff_columns())


# -- for migrations (the shape as it shipped) ---------------------------------------------------

def create_properties_table(op, *, with_property_staff: bool = False) -> None:
    op.create_table("properties", *_property_columns(with_property_staff=with_property_staff))
    op.create_index("ix_properties_tenant_external_id", "properties", ["tenant_id", "external_id"])


def create_contacts_table(op) -> None:
    op.create_table("contacts", *_contact_columns())
    op.create_index("ix_contacts_tenant_external_id", "contacts", ["tenant_id", "external_id"])
    op.create_index("ix_contacts_tenant_email", "contacts", ["tenant_id", "email"])


def create_staff_table(op) -> None:
    op.create_table("staff", *_staff_columns())


def add_unique_external_ids(op, tables: tuple[str, ...] = ("properties", "contacts")) -> None:
    """Migration step to `unique_external_ids`: a duplicate could only be an id that moved between records
    (the record's next event sets it again), so all but the newest revision keep none, then the constraint."""
    for table in tables:
        op.execute(f"""
            UPDATE {table} SET external_id = NULL
            WHERE external_id IS NOT NULL AND id NOT IN (
                SELECT DISTINCT ON (tenant_id, external_id) id FROM {table}
                WHERE external_id IS NOT NULL ORDER BY tenant_id, external_id, revision DESC, id)""")
        op.create_unique_constraint(f"uq_{table}_tenant_external_id", table, ["tenant_id", "external_id"])


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


def _newest_holder_of_its_external_id(session: Session, table: sa.Table, row: dict) -> bool:
    """Before a directory row is written: False when the stored copy is as new or newer (nothing will be
    written); otherwise the back office's id is taken from any other record of the tenant still holding
    it. identity keeps external ids unique, so that other record has since given it up (its own event is
    on its way) — and a unique (tenant, external id) constraint never fails the newer event."""
    stored = session.execute(sa.select(table.c.tenant_id, table.c.revision).where(table.c.id == row["id"])
                             .with_for_update()).first()
    if stored is not None and (str(stored.tenant_id) != str(row["tenant_id"]) or stored.revision >= row["revision"]):
        return False
    if row.get("external_id") is not None:
        session.execute(table.update().where(
            table.c.tenant_id == row["tenant_id"], table.c.external_id == row["external_id"],
            table.c.id != row["id"]).values(external_id=None))
    return True


def _upsert_directory_row(session: Session, table: sa.Table, row: dict) -> bool:
    return _newest_holder_of_its_external_id(session, table, row) and upsert_newest(session, table, row)


def _id(value) -> str | None:
    return None if value is None else str(value)


def directory_handlers(properties: sa.Table, contacts: sa.Table | None = None, staff: sa.Table | None = None) -> dict:
    """The `<service>.directory` consumer's handlers: {event type: handler(session, envelope)}, for the
    tables the service keeps (`properties` always; `contacts`, `staff` when given)."""
    roles = [r for r in ("account_owner_id", "operations_manager_id", "sales_rep_id") if r in properties.c]

    def apply_property_upserted(session: Session, envelope: Envelope) -> bool:
        tenant_id, data = load_event(envelope, "property_upserted")
        row = {"id": str(data["property_id"]), "tenant_id": tenant_id, "branch_id": str(data["branch_id"]),
               "external_id": data.get("external_id"), "name": data["name"], "street": data["street"],
               "city": data["city"], "state": data["state"], "zip": data["zip"], "revision": data["revision"]}
        row.update({role: _id(data.get(role)) for role in roles})
        return _upsert_directory_row(session, properties, row)

    def apply_contact_upserted(session: Session, envelope: Envelope) -> bool:
        tenant_id, data = load_event(envelope, "contact_upserted")
        return _upsert_directory_row(session, contacts, {
            "id": str(data["contact_id"]), "tenant_id": tenant_id, "external_id": data.get("external_id"),
            "email": data["email"], "first_name": data["first_name"], "last_name": data["last_name"],
            "revision": data["revision"]})

    def apply_staff_upserted(session: Session, envelope: Envelope) -> bool:
        tenant_id, data = load_event(envelope, "staff_upserted")
        return upsert_newest(session, staff, {
            "id": str(data["staff_id"]), "tenant_id": tenant_id, "email": data["email"],
            "first_name": data["first_name"], "last_name": data["last_name"], "title": data["title"],
            "phone": data["phone"], "active": data["active"],
            "occurred_at": datetime.fromisoformat(str(envelope.occurred_at))}, order="occurred_at")

    handlers = {"property_upserted": apply_property_upserted}
    if contacts is not None:
        handlers["contact_upserted"] = apply_contact_upserted
    if staff is not None:
        handlers["staff_upserted"] = apply_staff_upserted
    return handlers


def property_by_external_id(session: Session, properties: sa.Table, *, tenant_id: str, external_id: str):
    return session.execute(sa.select(properties).where(
        properties.c.tenant_id == tenant_id, properties.c.external_id == external_id)).first()


def property_or_422(session: Session, properties: sa.Table, *, tenant_id: str, external_id: str,
                    service: str):
    """The tenant's property the back office knows as `external_id`, or a 422 naming `property_external_id`
    (it may not have reached `service` yet)."""
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


def sales_rep_contact(session: Session, properties: sa.Table, staff: sa.Table, *, tenant_id: str, property_id: str,
                      show_phone: bool = True) -> dict[str, Any] | None:
    """The property's sales rep (seed 002: the Service Contact: name, title, email, phone), or None when
    identity named none, the rep is inactive, or is not of this tenant. `show_phone` False: phone None."""
    found = session.execute(
        sa.select(staff.c.first_name, staff.c.last_name, staff.c.title, staff.c.email, staff.c.phone)
        .select_from(properties.join(staff, (staff.c.id == properties.c.sales_rep_id)
                                     & (staff.c.tenant_id == tenant_id)))
        .where(properties.c.tenant_id == tenant_id, properties.c.id == property_id,
               staff.c.active.is_(True))).mappings().first()
    if found is None:
        return None
    return {**found, "phone": found["phone"] if show_phone else None}


def tenant_holding(session: Session, properties: sa.Table, external_ids: list[str]) -> list[str]:
    """The tenants whose directory holds every one of these properties (a seed waits for its tenant)."""
    return [str(t) for t in session.scalars(
        sa.select(properties.c.tenant_id).where(properties.c.external_id.in_(external_ids))
        .group_by(properties.c.tenant_id)
        .having(sa.func.count(sa.distinct(properties.c.external_id)) == len(set(external_ids))))]


def wait_for_tenant(db, properties: sa.Table, external_ids: list[str], *, service: str, timeout: float) -> str:
    """A demo seed's first step: the tenant whose directory holds every one of these properties, waiting
    (up to `timeout` seconds) for identity's events to reach `service`'s read model."""
    deadline = time.monotonic() + timeout
    while True:
        with db.unit_of_work() as session:
            tenants = tenant_holding(session, properties, external_ids)
        if tenants:
            return tenants[0]
        if time.monotonic() > deadline:
            raise SystemExit(f"{service} seed: the demo properties never reached {service}' directory read model; "
                             f"did identity's seed run, and is the {service} worker running?")
        time.sleep(0.5)
