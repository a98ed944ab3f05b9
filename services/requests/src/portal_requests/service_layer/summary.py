"""The signed-in customer's service-request figures, over the properties they may see."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_requests.adapters.orm import requests
from portal_shared.access import Customer, visible_property_ids

OPEN = "Open"


def customer_summary(session: Session, *, customer: Customer, requested: list[str] | None) -> dict:
    """pending_requests: requests still open."""
    property_ids = visible_property_ids(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                        contact_id=customer.contact_id, requested=requested)
    pending = 0
    if property_ids:
        pending = session.scalar(
            sa.select(sa.func.count())
            .where(requests.c.tenant_id == customer.tenant_id, requests.c.property_id.in_(property_ids),
                   requests.c.status == OPEN)
        )
    return {"pending_requests": int(pending), "property_ids": property_ids}
