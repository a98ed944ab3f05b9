"""The signed-in customer's visit figures, over the properties they may see."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_shared.access import Customer, visible_property_ids
from portal_visits.adapters.orm import visits

SCHEDULED = "Scheduled"


def customer_summary(session: Session, *, customer: Customer, requested: list[str] | None) -> dict:
    """upcoming_visits: visits still scheduled, for a time after now (the database's clock)."""
    property_ids = visible_property_ids(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                        contact_id=customer.contact_id, requested=requested)
    upcoming = 0
    if property_ids:
        upcoming = session.scalar(
            sa.select(sa.func.count())
            .where(visits.c.tenant_id == customer.tenant_id, visits.c.property_id.in_(property_ids),
                   visits.c.status == SCHEDULED, visits.c.scheduled_for > sa.func.now())
        )
    return {"upcoming_visits": int(upcoming), "property_ids": property_ids}
