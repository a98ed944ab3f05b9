"""The signed-in customer's proposal figures, over the properties they may see."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_proposals.adapters.orm import proposals
from portal_shared.access import Customer, visible_property_ids

# Delivered or sent to the customer and not signed yet (a signed proposal has another status).
AWAITING_SIGNATURE = ("Delivered", "Sent")


def customer_summary(session: Session, *, customer: Customer, requested: list[str] | None) -> dict:
    """pending_proposals: proposals awaiting the customer's signature."""
    property_ids = visible_property_ids(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                        contact_id=customer.contact_id, requested=requested)
    pending = 0
    if property_ids:
        pending = session.scalar(
            sa.select(sa.func.count())
            .where(proposals.c.tenant_id == customer.tenant_id, proposals.c.property_id.in_(property_ids),
                   proposals.c.status.in_(AWAITING_SIGNATURE))
        )
    return {"pending_proposals": int(pending), "property_ids": property_ids}
