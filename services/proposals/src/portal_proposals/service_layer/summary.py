"""The signed-in customer's proposal figures, over the properties they may see
(the kit's /summary has already narrowed `property_ids` to those)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_proposals.adapters.orm import proposals

# Delivered or sent to the customer and not signed yet (a signed proposal has another status).
AWAITING_SIGNATURE = ("Delivered", "Sent")


def proposal_figures(session: Session, *, tenant_id: str, property_ids: list[str]) -> dict:
    """pending_proposals: proposals awaiting the customer's signature."""
    pending = 0
    if property_ids:
        pending = session.scalar(
            sa.select(sa.func.count())
            .where(proposals.c.tenant_id == tenant_id, proposals.c.property_id.in_(property_ids),
                   proposals.c.status.in_(AWAITING_SIGNATURE))
        )
    return {"pending_proposals": int(pending)}
