"""The evidence behind a portal signature: the append-only audit trail of each proposal, and the
answer the verify page gives for an uploaded PDF (is it the signed one, is the seal intact).

Every line of the trail names the tenant, the proposal and its version, the contact, the time (UTC,
the database's clock), the client's address as the gateway saw it (the `client_ip` of its signed
token: a client's own X-Forwarded-For proves nothing) and the user agent. The database refuses to
change or delete a line (migration 0006).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_proposals.adapters.evidence_orm import (
    CLIENT_ADDRESS_LENGTH, USER_AGENT_LENGTH, proposal_audit_events, proposal_signatures,
)
from portal_proposals.adapters.orm import proposal_versions, proposals
from portal_proposals.domain import evidence as rules
from portal_shared.access.guard import Customer
from portal_shared.access.query import visible_property_ids


@dataclass(frozen=True)
class ClientContext:
    """Who is at the other end, as far as the platform can tell."""
    address: str | None = None
    user_agent: str | None = None

    @classmethod
    def of(cls, address: str | None, user_agent: str | None) -> "ClientContext":
        return cls(address=(address or None) and address[:CLIENT_ADDRESS_LENGTH],
                   user_agent=(user_agent or None) and user_agent[:USER_AGENT_LENGTH])


def record(session: Session, *, tenant_id: str, proposal_id: str, version: int | None, kind: str,
           context: ClientContext, contact_id: str | None = None, signer_name: str | None = None,
           details: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one line to the proposal's trail, in the caller's transaction."""
    if kind not in rules.EVENT_KINDS:
        raise ValueError(f"not an audit event kind: {kind}")
    values = {"tenant_id": tenant_id, "proposal_id": proposal_id, "version": version, "kind": kind,
              "contact_id": contact_id, "signer_name": signer_name, "client_address": context.address,
              "user_agent": context.user_agent, "details": details or {}}
    if at is not None:
        values["occurred_at"] = at
    session.execute(proposal_audit_events.insert().values(**values))


def trail(session: Session, *, tenant_id: str, proposal_id: str) -> list[dict[str, Any]]:
    """The proposal's trail, oldest first."""
    rows = session.execute(
        sa.select(proposal_audit_events)
        .where(proposal_audit_events.c.tenant_id == tenant_id, proposal_audit_events.c.proposal_id == proposal_id)
        .order_by(proposal_audit_events.c.id)).all()
    return [{"kind": r.kind, "label": rules.EVENT_LABELS.get(r.kind, r.kind), "version": r.version,
             "occurred_at": r.occurred_at, "contact_id": r.contact_id, "signer_name": r.signer_name,
             "client_address": r.client_address, "user_agent": r.user_agent, "details": dict(r.details or {})}
            for r in rows]


def record_viewed(session: Session, *, customer: Customer, proposal_id: str, version: int, pdf: bytes,
                  context: ClientContext) -> str:
    """The customer was served this PDF of the proposal: its SHA-256 goes on the trail (and is returned)."""
    digest = rules.sha256_hex(pdf)
    record(session, tenant_id=customer.tenant_id, proposal_id=proposal_id, version=version, kind=rules.VIEWED,
           context=context, contact_id=customer.contact_id, details={"pdf_sha256": digest})
    return digest


def last_viewed_sha256(session: Session, *, tenant_id: str, proposal_id: str, version: int,
                       contact_id: str) -> str | None:
    """The SHA-256 of the last PDF of this version served to this contact (what they saw before signing)."""
    details = session.scalar(
        sa.select(proposal_audit_events.c.details)
        .where(proposal_audit_events.c.tenant_id == tenant_id, proposal_audit_events.c.proposal_id == proposal_id,
               proposal_audit_events.c.version == version, proposal_audit_events.c.contact_id == contact_id,
               proposal_audit_events.c.kind == rules.VIEWED)
        .order_by(proposal_audit_events.c.id.desc()).limit(1))
    return (details or {}).get("pdf_sha256")


def chosen_of(session: Session, *, tenant_id: str, version_id: str) -> list[str]:
    """The names of the optional services chosen when this version was signed ([] while unsigned)."""
    chosen = session.scalar(sa.select(proposal_signatures.c.chosen_optional_services).where(
        proposal_signatures.c.tenant_id == tenant_id, proposal_signatures.c.version_id == version_id))
    return [o["name"] for o in chosen or []]


def verify(session: Session, *, customer: Customer, pdf: bytes, seal_check) -> dict[str, Any]:
    """For an uploaded PDF: is it, byte for byte, a signed proposal the customer may see, and is the
    company's seal on it intact. `seal_check` is the sealer's check (adapters/pdf_seal.py)."""
    digest = rules.sha256_hex(pdf)
    seal = seal_check(pdf)
    row = session.execute(
        sa.select(proposal_signatures.c.signed_at, proposal_signatures.c.signer_name,
                  proposal_signatures.c.total_cents, proposals.c.id, proposals.c.number, proposals.c.property_id,
                  proposal_versions.c.name, proposal_versions.c.version)
        .select_from(proposal_signatures.join(proposals, proposals.c.id == proposal_signatures.c.proposal_id)
                     .join(proposal_versions, proposal_versions.c.id == proposal_signatures.c.version_id))
        .where(proposal_signatures.c.tenant_id == customer.tenant_id,
               proposal_signatures.c.signed_pdf_sha256 == digest)).first()
    if row is not None and not visible_property_ids(
            session, tenant_id=customer.tenant_id, branch_id=customer.branch_id, contact_id=customer.contact_id,
            requested=[row.property_id]):
        row = None  # another customer's document: say nothing about it
    return {
        "sha256": digest,
        "matches_signed_proposal": row is not None,
        "proposal": None if row is None else {
            "id": row.id, "number": row.number, "name": row.name, "version": row.version,
            "signed_at": row.signed_at, "signer_name": row.signer_name, "total_cents": row.total_cents},
        "seal": {"present": seal.sealed, "intact": seal.intact, "whole_file": seal.whole_file,
                 "trusted": seal.trusted, "signer": seal.signer},
        "verified": row is not None and seal.good,
    }
