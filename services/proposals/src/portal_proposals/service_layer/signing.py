"""Select & Sign: what the signature pad shows, and signing a proposal exactly once.

Signing (`sign_proposal`), in one transaction:
1. the proposal must be one the customer sees (404 otherwise) and may sign: Primary or Billing contact
   (`authorize(..., "sign")`, 403), Delivered, its newest version sent and unsigned;
2. the proposal's row is locked (`FOR UPDATE`, the same lock a back-office PUT takes), then the newest
   version is read again: a second signature of it — a double click, two tabs, two contacts at once —
   waits here, then finds it signed and is told so (409 `already_signed`); a version replaced by the
   back office since the customer read it (`version_read`) is 409 `proposal_changed`. `uq_proposal_signatures_version` is the last guard;
3. the trail gets consent accepted, optional services chosen and signed; the signed PDF (signature
   image, chosen services, certificate page with the trail) is rendered and sealed with the company's
   key; its SHA-256 is stored with it; `proposal_signed` goes to the outbox.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_proposals.adapters.evidence_orm import proposal_signatures
from portal_proposals.adapters.orm import contacts, proposal_versions, proposals
from portal_proposals.domain import evidence as rules
from portal_proposals.domain import proposals as proposal_rules
from portal_proposals.service_layer import evidence
from portal_proposals.service_layer.evidence import ClientContext
from portal_proposals.service_layer.proposals import customer_proposal
from portal_shared.access.guard import Customer, authorize
from portal_shared.bus.outbox import record_event
from portal_shared.errors import Conflict, NotFound, ValidationFailed
from portal_shared.events import make_event


@dataclass(frozen=True)
class Signer:
    """The signed-in contact, named as identity knows them (portal-web passes it on)."""
    contact_id: str
    name: str
    email: str | None = None


def signer_of(session: Session, *, customer: Customer) -> Signer:
    """The signed-in contact as proposals' copy of identity's directory names them (not as a browser says)."""
    row = session.execute(sa.select(contacts.c.first_name, contacts.c.last_name, contacts.c.email).where(
        contacts.c.tenant_id == customer.tenant_id, contacts.c.id == customer.contact_id)).first()
    if row is None:  # identity's contact_upserted has not reached proposals yet (seconds)
        raise Conflict("Your details are still on their way to this part of the portal: try again in a moment.",
                       code="signer_unknown")
    return Signer(contact_id=customer.contact_id, name=f"{row.first_name} {row.last_name}".strip(), email=row.email)


def signing_sheet(session: Session, *, customer: Customer, proposal_id: str, context: ClientContext,
                  showing: bool = False) -> dict[str, Any]:
    """What the signature pad shows: number, optional services, price, the consent text and its version,
    whether this customer may sign, and (once signed) by whom and when. `showing`: the pad is being shown,
    so the consent shown to someone who may sign goes on the trail."""
    detail = customer_proposal(session, customer=customer, proposal_id=proposal_id)
    signature = _signature_of(session, tenant_id=customer.tenant_id, proposal_id=proposal_id,
                              version=detail["version"])
    sheet = {
        "id": detail["id"], "number": detail["number"], "name": detail["name"], "title": detail["title"],
        "version": detail["version"], "status": detail["status"], "price_cents": detail["price_cents"],
        "optional_services": detail["optional_services"], "may_sign": detail["may_sign"],
        "consent": {"version": rules.CURRENT_CONSENT, "text": rules.consent_text(rules.CURRENT_CONSENT)},
        "signature": signature,
    }
    if showing and detail["may_sign"]:
        evidence.record(session, tenant_id=customer.tenant_id, proposal_id=proposal_id, version=detail["version"],
                        kind=rules.CONSENT_SHOWN, context=context, contact_id=customer.contact_id,
                        details={"consent_version": rules.CURRENT_CONSENT,
                                 "consent_sha256": rules.consent_sha256(rules.CURRENT_CONSENT)})
    return sheet


def _signature_of(session: Session, *, tenant_id: str, proposal_id: str, version: int) -> dict[str, Any] | None:
    row = session.execute(
        sa.select(proposal_signatures.c.id, proposal_signatures.c.signer_name, proposal_signatures.c.signed_at,
                  proposal_signatures.c.total_cents, proposal_signatures.c.chosen_optional_services,
                  proposal_signatures.c.signed_pdf_sha256)
        .select_from(proposal_signatures.join(proposal_versions,
                                              proposal_versions.c.id == proposal_signatures.c.version_id))
        .where(proposal_signatures.c.tenant_id == tenant_id, proposal_signatures.c.proposal_id == proposal_id,
               proposal_versions.c.version == version)).first()
    if row is None:
        return None
    return {"signer_name": row.signer_name, "signed_at": row.signed_at, "total_cents": row.total_cents,
            "chosen_optional_services": list(row.chosen_optional_services or []),
            "signed_pdf_sha256": row.signed_pdf_sha256}


def sign_proposal(session: Session, *, customer: Customer, signer: Signer, proposal_id: str, version_read: int,
                  chosen: list[str],
                  consent_version: str, consent_accepted: bool, mark_kind: str, mark_value: str,
                  context: ClientContext, render: Callable[..., bytes], seal: Callable[..., bytes]) -> dict[str, Any]:
    """Sign the proposal's newest version for the customer (see the module's docstring)."""
    detail = customer_proposal(session, customer=customer, proposal_id=proposal_id)
    property_id = detail["property"]["id"]
    authorize(session, customer, property_id, "sign")
    mark, mark_error = rules.read_mark(mark_kind, mark_value)
    errors: dict[str, list[str]] = {}
    if mark_error:
        errors["signature"] = [mark_error]
    if consent_version != rules.CURRENT_CONSENT:
        errors["consent_version"] = ["The disclosure changed: read it again before signing."]
    if not consent_accepted:
        errors["consent_accepted"] = ["Agree to sign electronically to accept the proposal."]
    chosen_rows, chosen_error = rules.chosen_services(detail["optional_services"], chosen)
    if chosen_error:
        errors["optional_services"] = [chosen_error]
    if errors:
        raise ValidationFailed(f"Some fields are invalid: {', '.join(sorted(errors))}", errors=errors)

    # The lock every signature of this proposal (and every back-office change of it) queues on.
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
    if not proposal_rules.may_be_signed(head.status, signed=False):
        raise Conflict("This proposal can no longer be signed.", code="not_signable")

    signed_at = datetime.now(UTC)
    total_cents = proposal_rules.total_with(version.price_cents, version.optional_services, chosen)
    chosen_view = [{"name": o["name"], "amount_cents": o["amount_cents"]} for o in chosen_rows]
    shown_sha256 = evidence.last_viewed_sha256(session, tenant_id=customer.tenant_id, proposal_id=proposal_id,
                                               version=version.version, contact_id=customer.contact_id)
    common = {"tenant_id": customer.tenant_id, "proposal_id": proposal_id, "version": version.version,
              "context": context, "contact_id": customer.contact_id, "signer_name": signer.name, "at": signed_at}
    evidence.record(session, kind=rules.CONSENT_ACCEPTED, **common,
                    details={"consent_version": consent_version, "consent_sha256": rules.consent_sha256(consent_version)})
    evidence.record(session, kind=rules.OPTIONS_CHOSEN, **common,
                    details={"optional_services": chosen_view, "total_cents": total_cents})
    evidence.record(session, kind=rules.SIGNED, **common,
                    details={"mark": mark.kind, "shown_pdf_sha256": shown_sha256, "email": signer.email})
    session.execute(proposal_versions.update().where(proposal_versions.c.id == version.id)
                    .values(signed_at=signed_at, signed_by=customer.contact_id))

    document = {
        "number": head.number, "name": version.name, "type": version.type, "version": version.version,
        "property": detail["property"], "sent_on": version.sent_on, "start_date": head.start_date,
        "services": version.services, "price_cents": version.price_cents, "chosen": chosen_view,
        "declined": [o for o in version.optional_services if o["name"] not in chosen],
        "total_cents": total_cents, "signer": signer, "signed_at": signed_at, "mark": mark,
        "consent": {"version": consent_version, "text": rules.consent_text(consent_version),
                    "sha256": rules.consent_sha256(consent_version)},
        "shown_pdf_sha256": shown_sha256, "context": context, "sales_rep": head.sales_rep,
        "trail": evidence.trail(session, tenant_id=customer.tenant_id, proposal_id=proposal_id),
        "proposal": detail,     # the proposal's own pages, as View Proposal shows it
    }
    signed_pdf = seal(render(document), reason=f"Proposal #{head.number} signed by {signer.name} in the customer portal",
                      location="Customer portal")
    digest = rules.sha256_hex(signed_pdf)
    session.execute(proposal_signatures.insert().values(
        id=str(uuid.uuid4()), tenant_id=customer.tenant_id, proposal_id=proposal_id, version_id=version.id,
        contact_id=customer.contact_id, signer_name=signer.name, mark_kind=mark.kind, mark_png=mark.png,
        typed_name=mark.typed_name, chosen_optional_services=chosen_view, total_cents=total_cents,
        consent_version=consent_version, shown_pdf_sha256=shown_sha256, signed_pdf=signed_pdf,
        signed_pdf_sha256=digest, client_address=context.address, user_agent=context.user_agent,
        signed_at=signed_at))
    rep = head.sales_rep or None
    record_event(session, make_event("proposal_signed", {
        "proposal_id": proposal_id, "proposal_external_id": head.external_id, "number": head.number,
        "name": version.name, "version": version.version, "change_order": version.version > 1,
        "property_id": property_id, "contact_id": customer.contact_id, "signer_name": signer.name,
        "price_cents": version.price_cents, "chosen_optional_services": chosen_view, "total_cents": total_cents,
        "sales_rep": None if rep is None else {"name": rep.get("name"), "email": rep.get("email")},
        "signed_pdf_sha256": digest, "signed_at": signed_at},
        tenant_id=customer.tenant_id, branch_id=customer.branch_id))
    return {"proposal_id": proposal_id, "number": head.number, "version": version.version, "signed_at": signed_at,
            "signer_name": signer.name, "chosen_optional_services": chosen_view, "total_cents": total_cents,
            "signed_pdf_sha256": digest}


def signed_pdf(session: Session, *, customer: Customer, proposal_id: str) -> tuple[str, bytes]:
    """The sealed signed PDF of the proposal's shown version: (number, bytes); 404 when unsigned or unseen."""
    detail = customer_proposal(session, customer=customer, proposal_id=proposal_id)
    data = session.scalar(
        sa.select(proposal_signatures.c.signed_pdf)
        .select_from(proposal_signatures.join(proposal_versions,
                                              proposal_versions.c.id == proposal_signatures.c.version_id))
        .where(proposal_signatures.c.tenant_id == customer.tenant_id, proposal_signatures.c.proposal_id == proposal_id,
               proposal_versions.c.version == detail["version"]))
    if data is None:
        raise NotFound("This proposal has no signed PDF.")
    return detail["number"], bytes(data)
