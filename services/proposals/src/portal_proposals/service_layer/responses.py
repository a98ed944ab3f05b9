"""Decline and Request Changes (docs/adr/0025): a contact who may sign answers a Pending version with a
comment instead of a signature. In one transaction:

1. the proposal must be one the customer sees (404) and may sign: Primary or Billing contact (403);
2. the comment must say something (422 naming `comment`);
3. the proposal's row is locked (`FOR UPDATE`: the lock signing and a back-office PUT take), then the newest
   version is read again: another version by now is 409 `proposal_changed`; a signed one 409 `already_signed`;
   one already answered 409 `already_responded` (exactly once per version; `uq_proposal_responses_version`
   is the last guard); no longer Delivered 409 `not_signable`;
4. the response is stored, the audit trail gets `declined` or `changes_requested`, and `proposal_declined`
   or `proposal_changes_requested` goes to the outbox (the rep's email, the back office's webhook).
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_proposals.adapters.orm import proposal_versions, proposals
from portal_proposals.adapters.response_orm import proposal_responses
from portal_proposals.domain import evidence as evidence_rules
from portal_proposals.domain import proposals as rules
from portal_proposals.service_layer import evidence
from portal_proposals.service_layer.evidence import ClientContext
from portal_proposals.service_layer.proposals import customer_proposal
from portal_proposals.service_layer.signing import Signer
from portal_shared.access.guard import Customer, authorize
from portal_shared.bus.outbox import record_event
from portal_shared.errors import Conflict, ValidationFailed
from portal_shared.events import make_event

EVENT_TYPES = {rules.DECLINE: "proposal_declined", rules.REQUEST_CHANGES: "proposal_changes_requested"}
TRAIL_KINDS = {rules.DECLINE: evidence_rules.DECLINED, rules.REQUEST_CHANGES: evidence_rules.CHANGES_REQUESTED}


def respond(session: Session, *, customer: Customer, signer: Signer, proposal_id: str, kind: str, comment: str,
            version_read: int, context: ClientContext) -> dict[str, Any]:
    """Decline (`declined`) or ask to change (`changes_requested`) the proposal's newest version, once."""
    detail = customer_proposal(session, customer=customer, proposal_id=proposal_id)
    property_id = detail["property"]["id"]
    authorize(session, customer, property_id, "sign")
    text, error = rules.check_comment(comment)
    if error:
        raise ValidationFailed(f"Some fields are invalid: comment", errors={"comment": [error]})

    head = session.execute(sa.select(proposals).where(
        proposals.c.tenant_id == customer.tenant_id, proposals.c.id == proposal_id).with_for_update()).one()
    version = session.execute(
        sa.select(proposal_versions).where(proposal_versions.c.proposal_id == proposal_id)
        .order_by(proposal_versions.c.version.desc()).limit(1)).one()
    if version.version != version_read or version.version != detail["version"] or version.sent_on is None:
        raise Conflict("The proposal changed since you opened it: open it again to read the new version.",
                       code="proposal_changed")
    if version.signed_at is not None:
        raise Conflict("This proposal is already signed.", code="already_signed")
    answered = session.scalar(sa.select(proposal_responses.c.kind).where(
        proposal_responses.c.tenant_id == customer.tenant_id, proposal_responses.c.version_id == version.id))
    if answered is not None:
        raise Conflict(f"This proposal is already {rules.RESPONSES[answered].lower()}.", code="already_responded")
    if not rules.may_be_signed(head.status, signed=False):
        raise Conflict("This proposal can no longer be answered.", code="not_signable")

    at = datetime.now(UTC)
    session.execute(proposal_responses.insert().values(
        id=str(uuid.uuid4()), tenant_id=customer.tenant_id, proposal_id=proposal_id, version_id=version.id,
        kind=kind, comment=text, contact_id=customer.contact_id, contact_name=signer.name, responded_at=at))
    evidence.record(session, tenant_id=customer.tenant_id, proposal_id=proposal_id, version=version.version,
                    kind=TRAIL_KINDS[kind], context=context, contact_id=customer.contact_id, signer_name=signer.name,
                    details={"comment": text, "email": signer.email}, at=at)
    rep = head.sales_rep or None
    record_event(session, make_event(EVENT_TYPES[kind], {
        "proposal_id": proposal_id, "proposal_external_id": head.external_id, "number": head.number,
        "name": version.name, "version": version.version, "property_id": property_id,
        "property_name": detail["property"].get("name"), "contact_id": customer.contact_id,
        "contact_name": signer.name, "contact_email": signer.email, "comment": text,
        "price_cents": version.price_cents,
        "sales_rep": None if rep is None else {"name": rep.get("name"), "email": rep.get("email")},
        "responded_at": at},
        tenant_id=customer.tenant_id, branch_id=customer.branch_id))
    return {"proposal_id": proposal_id, "number": head.number, "version": version.version, "kind": kind,
            "status": rules.RESPONSES[kind], "comment": text, "contact_name": signer.name, "responded_at": at}
