"""The signed-in customer's proposal figures, over the properties they may see
(the kit's /summary has already narrowed `property_ids` to those)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_proposals.service_layer.proposals import pending_count


def proposal_figures(session: Session, *, tenant_id: str, property_ids: list[str]) -> dict:
    """pending_proposals: the proposals the customer sees (sent, within the branch's window) awaiting a signature."""
    return {"pending_proposals": pending_count(session, tenant_id=tenant_id, property_ids=property_ids)}
