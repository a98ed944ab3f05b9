"""The signed-in customer's visit figures, over the properties they may see
(the kit's /summary has already narrowed `property_ids` to those)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_visits.adapters.orm import visits
from portal_visits.service_layer.visits import upcoming


def visit_figures(session: Session, *, tenant_id: str, property_ids: list[str]) -> dict:
    """upcoming_visits: the rows of the Visits list's Next 30 Days (scheduled, after now, within 30 days)."""
    count = 0
    if property_ids:
        count = session.scalar(sa.select(sa.func.count()).where(
            visits.c.tenant_id == tenant_id, visits.c.property_id.in_(property_ids), upcoming()))
    return {"upcoming_visits": int(count)}
