"""Proposals: written by the back office (integration API, and the demo seed) as versions, read by
customers over the properties they may see. Every query filters by tenant; a customer's also by the
properties `portal_shared.access` lets them see in their branch, by sent, and by the branch's N-day
window of open proposals (service_layer/branch_settings.py).

Versions (docs/adr/0026-proposal-versions.md): the newest version is replaced in place while it is
unsent; once sent it is immutable, and a PUT with another document starts the next version. The
customer reads the newest *sent* version; it may be signed while it is also the newest version, so
a change from the back office voids a signature that was pending on the old one.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_proposals.adapters.orm import properties, proposal_versions, proposals
from portal_proposals.domain import evidence as evidence_rules
from portal_proposals.domain import proposals as rules
from portal_proposals.service_layer import evidence
from portal_proposals.service_layer.branch_settings import ProposalDisplay, branch_of, display_rules
from portal_proposals.service_layer.directory import property_or_422
from portal_shared.access.guard import Customer
from portal_shared.access.query import may, visible_property_ids
from portal_shared.errors import NotFound, ValidationFailed

# -- writes (the back office) -----------------------------------------------------------------------


def _newest_version(session: Session, proposal_id: str, *, lock: bool = False):
    query = (sa.select(proposal_versions).where(proposal_versions.c.proposal_id == proposal_id)
             .order_by(proposal_versions.c.version.desc()).limit(1))
    return session.execute(query.with_for_update() if lock else query).first()


def upsert_proposal(session: Session, *, tenant_id: str, external_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Create or update the proposal the back office knows as `external_id` (idempotent); 422 naming the field.

    The proposal's row (status, start date, sales rep, links) is replaced; its document goes to the newest
    version when that is unsent, or when it is the same document; otherwise to a new version.
    """
    errors, document = rules.check_document(doc)
    if errors:
        raise ValidationFailed(f"Some fields are invalid: {', '.join(sorted(errors))}", errors=errors)
    prop = property_or_422(session, tenant_id=tenant_id, external_id=doc["property_external_id"])
    row = {"tenant_id": tenant_id, "external_id": external_id, "property_id": prop.id, "number": doc["number"],
           "status": doc["status"], "start_date": doc["start_date"], "sales_rep": doc["sales_rep"],
           "requests": doc["requests"], "invoices": doc["invoices"]}
    stmt = pg_insert(proposals).values(id=str(uuid.uuid4()), **row)
    # The upsert locks the proposal's row until commit: two PUTs of one proposal take turns.
    stmt = stmt.on_conflict_do_update(
        constraint="uq_proposals_tenant_external_id",
        set_={**{k: stmt.excluded[k] for k in row if k not in ("tenant_id", "external_id")},
              "updated_at": sa.func.now()},
    ).returning(proposals.c.id)
    proposal_id = session.scalar(stmt)
    digest = rules.content_sha256(document)
    sent_on = doc["sent_date"] if doc["sent"] else None
    newest = _newest_version(session, proposal_id, lock=True)
    new_version = False
    sent_version = None     # the version this PUT sends to the customer, for the audit trail
    if newest is None or (newest.sent_on is not None and newest.content_sha256 != digest):
        new_version = newest is not None
        version = 1 if newest is None else newest.version + 1
        session.execute(sa.insert(proposal_versions).values(
            id=str(uuid.uuid4()), tenant_id=tenant_id, proposal_id=proposal_id,
            version=version, content_sha256=digest, sent_on=sent_on, **document))
        sent_version = version if sent_on else None
    elif newest.sent_on is None:
        session.execute(sa.update(proposal_versions).where(proposal_versions.c.id == newest.id).values(
            content_sha256=digest, sent_on=sent_on, **document))
        sent_version = newest.version if sent_on else None
    # else: the sent version's document again; it stays as it was sent.
    if sent_version is not None:
        evidence.record(session, tenant_id=tenant_id, proposal_id=proposal_id, version=sent_version,
                        kind=evidence_rules.SENT, context=evidence.ClientContext(),
                        details={"sent_date": str(sent_on), "content_sha256": digest, "by": "back office"})
    return {**stored_proposal(session, tenant_id=tenant_id, external_id=external_id), "new_version": new_version}


def stored_proposal(session: Session, *, tenant_id: str, external_id: str) -> dict[str, Any]:
    row = session.execute(
        sa.select(proposals, properties.c.external_id.label("property_external_id"))
        .join(properties, (properties.c.id == proposals.c.property_id) & (properties.c.tenant_id == tenant_id))
        .where(proposals.c.tenant_id == tenant_id, proposals.c.external_id == external_id)).mappings().one()
    version = _newest_version(session, row["id"])._mapping
    return {**row, "version": version["version"], "name": version["name"], "type": version["type"],
            "sent": version["sent_on"] is not None, "sent_date": version["sent_on"],
            "price_cents": version["price_cents"], "services": version["services"],
            "optional_services": version["optional_services"]}


# -- reads (the customer) ---------------------------------------------------------------------------

def today() -> date:
    return datetime.now(timezone.utc).date()


def _shown_versions(tenant_id: str) -> sa.Subquery:
    """Per proposal: its newest sent version (what the customer reads), with the number of its newest version."""
    latest = sa.func.max(proposal_versions.c.version).over(partition_by=proposal_versions.c.proposal_id)
    ranked = (sa.select(proposal_versions, latest.label("latest_version"))
              .where(proposal_versions.c.tenant_id == tenant_id).subquery("ranked"))
    return (sa.select(ranked).where(ranked.c.sent_on.is_not(None))
            .distinct(ranked.c.proposal_id).order_by(ranked.c.proposal_id, ranked.c.version.desc())
            .subquery("shown"))


def _portal_status(shown: sa.Subquery):
    return sa.case(
        (proposals.c.status == rules.LOST, rules.REJECTED),
        ((proposals.c.status == rules.DELIVERED) & shown.c.signed_at.is_(None), rules.PENDING),
        else_=rules.ACCEPTED)


def pending_count(session: Session, *, tenant_id: str, property_ids: list[str]) -> int:
    """How many proposals the customer sees await a signature (Home's Pending Proposals)."""
    if not property_ids:
        return 0
    display = display_rules(session, tenant_id=tenant_id,
                            branch_id=branch_of(session, tenant_id=tenant_id, property_ids=property_ids))
    query, _, status = _with_columns(tenant_id, property_ids, display)
    return int(session.scalar(sa.select(sa.func.count()).select_from(query.where(status == rules.PENDING).subquery())))


def customer_proposal_list(session: Session, *, customer: Customer, property_ids: list[str], show: str) -> sa.Select:
    """The customer's list: All newest start date first; Pending, Accepted and Rejected soonest first (seed 003)."""
    display = display_rules(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id)
    query, shown, status = _with_columns(customer.tenant_id, property_ids, display)
    if show != "all":
        query = query.where(status == show.capitalize())
    order = proposals.c.start_date.desc().nulls_last() if show == "all" else proposals.c.start_date.asc().nulls_last()
    return query.order_by(order, proposals.c.number.desc(), proposals.c.id)


def _with_columns(tenant_id: str, property_ids: list[str], display: ProposalDisplay):
    """The proposals of these properties a customer sees: sent, and when open, within the branch's window."""
    shown = _shown_versions(tenant_id)
    status = _portal_status(shown)
    query = (sa.select(proposals, shown.c.id.label("version_id"), shown.c.version, shown.c.latest_version,
                       shown.c.name, shown.c.type, shown.c.price_cents, shown.c.services, shown.c.optional_services,
                       shown.c.sent_on, shown.c.signed_at, properties.c.name.label("property_name"),
                       properties.c.street, properties.c.city, properties.c.state, properties.c.zip,
                       status.label("portal_status"))
             .select_from(proposals.join(shown, shown.c.proposal_id == proposals.c.id)
                          .outerjoin(properties, (properties.c.id == proposals.c.property_id)
                                     & (properties.c.tenant_id == tenant_id)))
             .where(proposals.c.tenant_id == tenant_id, proposals.c.property_id.in_(property_ids)))
    bounds = rules.window(today(), display.window_days)
    if bounds is not None:
        query = query.where(sa.or_(status != rules.PENDING, proposals.c.start_date.is_(None),
                                   proposals.c.start_date.between(*bounds)))
    return query, shown, status


def _row(row) -> dict[str, Any]:
    return {
        "id": row.id, "number": row.number, "name": row.name, "title": rules.title(row.number, row.name),
        "property": {"id": row.property_id, "name": row.property_name, "street": row.street, "city": row.city,
                     "state": row.state, "zip": row.zip},
        "type": row.type, "sent_date": row.sent_on, "start_date": row.start_date, "price_cents": row.price_cents,
        "status": row.portal_status,
    }


def list_rows(rows) -> list[dict[str, Any]]:
    return [_row(row) for row in rows]


def customer_proposal(session: Session, *, customer: Customer, proposal_id: str) -> dict[str, Any]:
    """One proposal in detail, or 404 when the customer does not see it (tenant, branch, property, sent, window)."""
    property_id = session.scalar(sa.select(proposals.c.property_id).where(
        proposals.c.tenant_id == customer.tenant_id, proposals.c.id == proposal_id))
    visible = property_id is not None and visible_property_ids(
        session, tenant_id=customer.tenant_id, branch_id=customer.branch_id, contact_id=customer.contact_id,
        requested=[property_id])
    if not visible:
        raise NotFound("No such proposal.")
    display = display_rules(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id)
    query, _, _ = _with_columns(customer.tenant_id, [property_id], display)
    row = session.execute(query.where(proposals.c.id == proposal_id)).first()
    if row is None:
        raise NotFound("No such proposal.")
    signed = row.signed_at is not None
    may_sign = (rules.may_be_signed(row.status, signed) and row.version == row.latest_version
                and may(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                        contact_id=customer.contact_id, property_id=property_id, permission="sign"))
    rep = dict(row.sales_rep) if row.sales_rep else None
    if rep is not None and not display.show_sales_rep_phone:
        rep["phone"] = None
    chosen = evidence.chosen_of(session, tenant_id=customer.tenant_id, version_id=row.version_id)
    return {
        **_row(row), "version": row.version, "back_office_status": row.status,
        "show_service_details": display.show_service_details,
        "services": row.services if display.show_service_details else [],
        "optional_services": row.optional_services,
        "chosen_optional_services": chosen,
        "total_cents": rules.total_with(row.price_cents, row.optional_services, chosen),
        "sales_rep": rep, "requests": row.requests, "invoices": row.invoices,
        "signed": signed, "may_sign": bool(may_sign),
    }

