"""proposals' copy of the proposals part of each branch's portal settings (portal-config owns them):
the N-day window of open proposals (`proposal_window_days`, null for none), whether line items are
shown (`show_service_details`, else one lump sum) and whether the sales rep's phone is
(`show_sales_rep_phone`). Fed by `portal_settings_updated` through the `proposals.settings` consumer,
newest `version` wins; never asked of portal-config on a request path. A branch proposals has not
heard of gets portal-config's defaults for a new branch (no window, details and phone shown).
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_proposals.adapters.orm import branch_proposal_settings
from portal_shared.access.tables import property_access
from portal_shared.directory import upsert_newest
from portal_shared.events.envelope import Envelope, load_event


@dataclass(frozen=True)
class ProposalDisplay:
    window_days: int | None = None
    show_service_details: bool = True
    show_sales_rep_phone: bool = True


DEFAULTS = ProposalDisplay()


def apply_portal_settings_updated(session: Session, envelope: Envelope) -> bool:
    """Keep the proposals part of a branch's settings when this version is newer than the stored one."""
    tenant_id, data = load_event(envelope, "portal_settings_updated")
    settings = data["settings"]
    return upsert_newest(session, branch_proposal_settings, {
        "branch_id": str(data["branch_id"]), "tenant_id": tenant_id,
        "proposal_window_days": settings["proposal_window_days"],
        "show_service_details": settings["show_service_details"],
        "show_sales_rep_phone": settings["show_sales_rep_phone"], "version": data["version"]},
        key="branch_id", order="version")


def display_rules(session: Session, *, tenant_id: str, branch_id: str | None) -> ProposalDisplay:
    row = branch_id and session.execute(sa.select(branch_proposal_settings).where(
        branch_proposal_settings.c.tenant_id == tenant_id, branch_proposal_settings.c.branch_id == branch_id)).first()
    if not row:
        return DEFAULTS
    return ProposalDisplay(window_days=row.proposal_window_days, show_service_details=row.show_service_details,
                           show_sales_rep_phone=row.show_sales_rep_phone)


def branch_of(session: Session, *, tenant_id: str, property_ids: list[str]) -> str | None:
    """The branch these properties (a customer's, all in one branch) belong to, per the access read model."""
    if not property_ids:
        return None
    return session.scalar(sa.select(property_access.c.branch_id).where(
        property_access.c.tenant_id == tenant_id, property_access.c.property_id.in_(property_ids)).limit(1))


SETTINGS_HANDLERS = {"portal_settings_updated": apply_portal_settings_updated}
