"""Applying identity's `property_access_changed` to the read model (the `<service>.access` consumer)."""
from __future__ import annotations


import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from portal_shared.access.tables import property_access as _access
from portal_shared.access.tables import property_access_revisions as _revisions
from portal_shared.events.envelope import Envelope, load_event
from portal_shared.logging import get_logger

log = get_logger(__name__)

EVENT_TYPE = "property_access_changed"


class PropertyOfAnotherTenant(ValueError):
    """An event names a property this service already knows under another tenant (never applied)."""


def _entries(data: dict) -> dict[str, tuple[list[str], list[str]]]:
    """{contact: (roles, permissions)}; a contact listed twice gets the union, one listed without a role none."""
    merged: dict[str, tuple[set[str], set[str]]] = {}
    for entry in data["access"]:
        roles, permissions = merged.setdefault(str(entry["contact_id"]), (set(), set()))
        roles.update(entry["roles"])
        permissions.update(entry["permissions"])
    return {c: (sorted(r), sorted(p)) for c, (r, p) in merged.items() if r}


def apply_property_access(session, envelope: Envelope) -> bool:
    """Replace the access rows of the event's property with the event's list.

    Returns False (and changes nothing) when the stored revision for the property is the same
    or newer: events are delivered at least once and not in order. Raises ValueError for a
    malformed event, and PropertyOfAnotherTenant when the property is known under another
    tenant; the consumer then retries and dead-letters it. Runs in the caller's transaction.
    """
    tenant_id, data = load_event(envelope, EVENT_TYPE)
    property_id, branch_id, revision = str(data["property_id"]), str(data["branch_id"]), data["revision"]
    # Claim the revision: one statement that inserts or raises it, and locks the property's row
    # until commit, so two workers applying events of the same property take turns.
    stmt = pg_insert(_revisions).values(property_id=property_id, tenant_id=tenant_id, revision=revision)
    stmt = stmt.on_conflict_do_update(
        index_elements=[_revisions.c.property_id], set_={"revision": stmt.excluded.revision},
        where=(_revisions.c.revision < stmt.excluded.revision) & (_revisions.c.tenant_id == stmt.excluded.tenant_id),
    ).returning(_revisions.c.property_id)
    if session.execute(stmt).first() is None:
        owner = session.scalar(sa.select(_revisions.c.tenant_id).where(_revisions.c.property_id == property_id))
        if owner != tenant_id:
            raise PropertyOfAnotherTenant(f"{EVENT_TYPE}: property {property_id} belongs to another tenant")
        log.info("property_access_stale_ignored", property_id=property_id, revision=revision)
        return False
    session.execute(sa.delete(_access).where(_access.c.tenant_id == tenant_id, _access.c.property_id == property_id))
    entries = _entries(data)
    if entries:
        session.execute(sa.insert(_access), [
            {"tenant_id": tenant_id, "property_id": property_id, "branch_id": branch_id, "contact_id": contact_id,
             "roles": roles, "permissions": permissions, "revision": revision}
            for contact_id, (roles, permissions) in entries.items()
        ])
    return True


def access_consumer(service: str, db, bus):
    """The consumer `<service>.access`: keeps the service's property_access current."""
    from portal_shared.bus.consumer import Consumer

    return Consumer(name=f"{service}.access", handlers={EVENT_TYPE: apply_property_access}, db=db, settings=bus)
