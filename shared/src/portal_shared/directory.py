"""identity's directory as a feature service keeps it (a read model): the properties (name, address,
branch, the back office's id) and contacts (name, email, the back office's id) its records name.
Fed by `property_upserted` and `contact_upserted` through the service's `<service>.directory`
consumer; never asked of identity on a request path (ADR 0009). The parts, as in `access`:

- `define_directory_tables(metadata)` for the models, `create_properties_table(op)` /
  `create_contacts_table(op)` for a migration;
- `directory_handlers(properties, contacts)`: the consumer's handler table (each loads its event
  through the v1 contract and keeps the newest revision: events arrive at least once, not in order;
  a record claiming a back-office id another record of the tenant still holds takes it from it);
- `property_by_external_id(...)`: the property the back office names by its own id.

`upsert_newest` is the rule every read model fed by versioned events keeps (billing's payment
settings and proposals' branch settings too): an older or repeated copy changes nothing.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_shared.events.envelope import Envelope, load_event

EXTERNAL_ID_LENGTH = 100     # the back office's ids (as identity's contacts/properties.external_id)
_ID = UUID(as_uuid=False)


def _property_columns() -> list:
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
                            unique_external_ids: bool = False) -> tuple[sa.Table, sa.Table | None]:
    """Add `properties` (and `contacts`) to `metadata`; returns (properties, contacts or None). With
    `unique_external_ids` the database also holds one record per (tenant, back-office id)
    (`uq_<table>_tenant_external_id`; the service's migration adds it: `add_unique_external_ids(op, ...)`)."""
    def unique(table: str) -> list:
        return ([sa.UniqueConstraint("tenant_id", "external_id", name=f"uq_{table}_tenant_external_id")]
                if unique_external_ids else [])

    properties = sa.Table("properties", metadata, *_property_columns(),
                          sa.Index("ix_properties_tenant_external_id", "tenant_id", "external_id"),
                          *unique("properties"))
    contacts = None
    if with_contacts:
        contacts = sa.Table("contacts", metadata, *_contact_columns(),
                            sa.Index("ix_contacts_tenant_external_id", "tenant_id", "external_id"),
                            sa.Index("ix_contacts_tenant_email", "tenant_id", "email"), *unique("contacts"))
    return properties, contacts


# -- for migrations (the shape as it shipped) ---------------------------------------------------

def create_properties_table(op) -> None:
    op.create_table("properties", *_property_columns())
    op.create_index("ix_properties_tenant_external_id", "properties", ["tenant_id", "external_id"])


def create_contacts_table(op) -> None:
    op.create_table("contacts", *_contact_columns())
    op.create_index("ix_contacts_tenant_external_id", "contacts", ["tenant_id", "external_id"])
    op.create_index("ix_contacts_tenant_email", "contacts", ["tenant_id", "email"])


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


def directory_handlers(properties: sa.Table, contacts: sa.Table | None = None) -> dict:
    """The `<service>.directory` consumer's handlers: {event type: handler(session, envelope)}."""
    def apply_property_upserted(session: Session, envelope: Envelope) -> bool:
        tenant_id, data = load_event(envelope, "property_upserted")
        return _upsert_directory_row(session, properties, {
            "id": str(data["property_id"]), "tenant_id": tenant_id, "branch_id": str(data["branch_id"]),
            "external_id": data.get("external_id"), "name": data["name"], "street": data["street"],
            "city": data["city"], "state": data["state"], "zip": data["zip"], "revision": data["revision"]})

    def apply_contact_upserted(session: Session, envelope: Envelope) -> bool:
        tenant_id, data = load_event(envelope, "contact_upserted")
        return _upsert_directory_row(session, contacts, {
            "id": str(data["contact_id"]), "tenant_id": tenant_id, "external_id": data.get("external_id"),
            "email": data["email"], "first_name": data["first_name"], "last_name": data["last_name"],
            "revision": data["revision"]})

    handlers = {"property_upserted": apply_property_upserted}
    if contacts is not None:
        handlers["contact_upserted"] = apply_contact_upserted
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
