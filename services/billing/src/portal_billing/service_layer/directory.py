"""billing's copy of identity's directory: the properties (name, address, the back office's id) and
contacts (name, email, the back office's id) invoices name. Fed by `property_upserted` and
`contact_upserted` through the `billing.directory` consumer; never asked of identity on a request path.

Each handler loads its event through the v1 contract and keeps the newest revision: events arrive
at least once and not in order, so an older or repeated one changes nothing.
"""
from __future__ import annotations


import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import contacts, properties
from portal_shared.events.envelope import Envelope, load_event


def _upsert_newest(session: Session, table: sa.Table, row: dict) -> bool:
    """Insert the row, or replace the stored one when this revision is newer (and the tenant the same).

    The back office's id names one record per tenant (a unique constraint). identity keeps it unique, so a
    record that claims an external id another record still holds here means that other record has since
    given it up (its event is on its way): it gives the id up now, rather than the newer event failing."""
    stored = session.execute(sa.select(table.c.tenant_id, table.c.revision).where(table.c.id == row["id"])
                             .with_for_update()).first()
    if stored is not None and (stored.tenant_id != row["tenant_id"] or stored.revision >= row["revision"]):
        return False
    if row.get("external_id") is not None:
        session.execute(table.update().where(
            table.c.tenant_id == row["tenant_id"], table.c.external_id == row["external_id"],
            table.c.id != row["id"]).values(external_id=None))
    stmt = pg_insert(table).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.id], set_={k: stmt.excluded[k] for k in row if k not in ("id", "tenant_id")},
        where=(table.c.revision < stmt.excluded.revision) & (table.c.tenant_id == stmt.excluded.tenant_id),
    ).returning(table.c.id)
    return session.execute(stmt).first() is not None


def apply_property_upserted(session: Session, envelope: Envelope) -> bool:
    tenant_id, data = load_event(envelope, "property_upserted")
    return _upsert_newest(session, properties, {
        "id": str(data["property_id"]), "tenant_id": tenant_id, "branch_id": str(data["branch_id"]),
        "external_id": data.get("external_id"), "name": data["name"], "street": data["street"],
        "city": data["city"], "state": data["state"], "zip": data["zip"], "revision": data["revision"]})


def apply_contact_upserted(session: Session, envelope: Envelope) -> bool:
    tenant_id, data = load_event(envelope, "contact_upserted")
    return _upsert_newest(session, contacts, {
        "id": str(data["contact_id"]), "tenant_id": tenant_id, "external_id": data.get("external_id"),
        "email": data["email"], "first_name": data["first_name"], "last_name": data["last_name"],
        "revision": data["revision"]})


DIRECTORY_HANDLERS = {"property_upserted": apply_property_upserted, "contact_upserted": apply_contact_upserted}


def property_by_external_id(session: Session, *, tenant_id: str, external_id: str):
    return session.execute(sa.select(properties).where(
        properties.c.tenant_id == tenant_id, properties.c.external_id == external_id)).first()
