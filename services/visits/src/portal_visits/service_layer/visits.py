"""Visits: written by the back office (integration API, and the demo seed), read by customers over the
properties they may see in their branch. Every query filters by tenant; a customer's also by the
properties `portal_shared.access` lets them see, and every note a customer reads by `shown_in_portal`
(here, in the query: a note not shown in the portal never leaves this service)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_shared import directory
from portal_shared.access.guard import Customer
from portal_shared.access.query import visible_property_ids
from portal_shared.errors import NotFound
from portal_visits.adapters.orm import properties, staff, visit_notes, visits
from portal_visits.domain import visits as rules

# -- writes (the back office) -----------------------------------------------------------------------


def upsert_visit(session: Session, *, tenant_id: str, external_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Create or replace the visit the back office knows as `external_id` (idempotent), notes included."""
    prop = directory.property_or_422(session, properties, tenant_id=tenant_id,
                                     external_id=doc["property_external_id"], service="visits")
    visit_id = directory.upsert_by_external_id(session, visits, {
        "tenant_id": tenant_id, "external_id": external_id, "property_id": prop.id,
        "scheduled_for": doc["scheduled_for"], "status": doc["status"], "services": list(doc["services"])})
    session.execute(sa.delete(visit_notes).where(visit_notes.c.visit_id == visit_id))
    if doc["notes"]:
        session.execute(sa.insert(visit_notes), [
            {"visit_id": visit_id, "position": n, "tenant_id": tenant_id, "text": note["text"],
             "shown_in_portal": note["shown_in_portal"]} for n, note in enumerate(doc["notes"])])
    return {"id": visit_id, "external_id": external_id, "property_id": prop.id,
            "property_external_id": doc["property_external_id"], "scheduled_for": doc["scheduled_for"],
            "status": doc["status"], "services": list(doc["services"]), "notes": doc["notes"]}


# -- reads (the signed-in customer) -----------------------------------------------------------------

def upcoming(now=None) -> sa.ColumnElement[bool]:
    """Scheduled for after now and within the next 30 days (the database's clock unless `now` is given)."""
    now = sa.func.now() if now is None else now
    return (visits.c.status == rules.SCHEDULED) & (visits.c.scheduled_for > now) & (
        visits.c.scheduled_for <= now + rules.UPCOMING_WINDOW)


def customer_property_ids(session: Session, who: Customer, requested: list[str] | None) -> list[str]:
    return visible_property_ids(session, tenant_id=who.tenant_id, branch_id=who.branch_id,
                                contact_id=who.contact_id, requested=requested)


def _with_property(query: sa.Select, tenant_id: str) -> sa.Select:
    return query.outerjoin(properties, (properties.c.id == visits.c.property_id)
                           & (properties.c.tenant_id == tenant_id))


ROW_COLUMNS = (visits.c.id, visits.c.property_id, visits.c.scheduled_for, visits.c.status, visits.c.services,
               properties.c.name, properties.c.street, properties.c.city, properties.c.state, properties.c.zip)


def customer_visit_list(*, tenant_id: str, property_ids: list[str], show: str) -> sa.Select:
    """The rows of the Show filter: Next 30 Days soonest first, Completed latest first."""
    query = _with_property(sa.select(*ROW_COLUMNS), tenant_id).where(
        visits.c.tenant_id == tenant_id, visits.c.property_id.in_(property_ids))
    if show == "completed":
        return query.where(visits.c.status == rules.COMPLETED).order_by(
            visits.c.scheduled_for.desc(), visits.c.id)
    return query.where(upcoming()).order_by(visits.c.scheduled_for, visits.c.id)


def row(visit: sa.Row, zone) -> dict[str, Any]:
    """A visit as the customer's list shows it, its time in the branch's zone."""
    return {"id": visit.id, "status": visit.status, "label": rules.STATUS_LABELS[visit.status],
            "scheduled_for": visit.scheduled_for, "local_time": rules.in_zone(visit.scheduled_for, zone),
            "services": visit.services,
            "property": {"id": visit.property_id, "name": visit.name, "street": visit.street, "city": visit.city,
                         "state": visit.state, "zip": visit.zip}}


def shown_notes(session: Session, *, tenant_id: str, visit_ids: list[str]) -> dict[str, list[str]]:
    """The notes the back office marked Shown in Portal, per visit, in order. The others are never read."""
    notes: dict[str, list[str]] = {v: [] for v in visit_ids}
    if visit_ids:
        for visit_id, text in session.execute(
                sa.select(visit_notes.c.visit_id, visit_notes.c.text)
                .where(visit_notes.c.tenant_id == tenant_id, visit_notes.c.visit_id.in_(visit_ids),
                       visit_notes.c.shown_in_portal.is_(True))
                .order_by(visit_notes.c.visit_id, visit_notes.c.position)):
            notes[visit_id].append(text)
    return notes


def service_contact(session: Session, *, tenant_id: str, property_id: str) -> dict[str, Any] | None:
    """The property's sales rep (seed 002: the visit's Service Contact), when identity has named one; its
    phone always (portal-web hides it when the branch does not show it)."""
    return directory.sales_rep_contact(session, properties, staff, tenant_id=tenant_id, property_id=property_id)


def customer_visit(session: Session, *, customer: Customer, visit_id: str, zone) -> dict[str, Any]:
    """One visit of a property the customer may see (else 404), with its shown notes and service contact."""
    property_ids = customer_property_ids(session, customer, None)
    found = session.execute(_with_property(sa.select(*ROW_COLUMNS), customer.tenant_id).where(
        visits.c.tenant_id == customer.tenant_id, visits.c.id == visit_id,
        visits.c.property_id.in_(property_ids))).first() if property_ids else None
    if found is None:
        raise NotFound("No such visit.")
    return {**row(found, zone),
            "notes": shown_notes(session, tenant_id=customer.tenant_id, visit_ids=[found.id])[found.id],
            "service_contact": service_contact(session, tenant_id=customer.tenant_id,
                                               property_id=found.property_id)}


CALENDAR_PAST = timedelta(days=90)
CALENDAR_AHEAD = timedelta(days=366)


def calendar_visits(session: Session, *, tenant_id: str, property_ids: list[str], now: datetime,
                    zone) -> list[dict[str, Any]]:
    """What a calendar feed carries: the visits of these properties from 90 days back to a year ahead,
    cancelled ones left out, each with its shown notes and service contact."""
    if not property_ids:
        return []
    rows = session.execute(_with_property(sa.select(*ROW_COLUMNS), tenant_id).where(
        visits.c.tenant_id == tenant_id, visits.c.property_id.in_(property_ids),
        visits.c.status != rules.CANCELLED,
        visits.c.scheduled_for.between(now - CALENDAR_PAST, now + CALENDAR_AHEAD))
        .order_by(visits.c.scheduled_for, visits.c.id)).all()
    notes = shown_notes(session, tenant_id=tenant_id, visit_ids=[r.id for r in rows])
    contacts = {p: service_contact(session, tenant_id=tenant_id, property_id=p) for p in {r.property_id for r in rows}}
    return [{**row(r, zone), "notes": notes[r.id], "service_contact": contacts[r.property_id]} for r in rows]
