"""The signed-in customer's visit figures, over the properties they may see
(the kit's /summary has already narrowed `property_ids` to those)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_visits.adapters.orm import visits

SCHEDULED = "Scheduled"


def visit_figures(session: Session, *, tenant_id: str, property_ids: list[str]) -> dict:
    """upcoming_visits: visits still scheduled, for a time after now (the database's clock)."""
    upcoming = 0
    if property_ids:
        upcoming = session.scalar(
            sa.select(sa.func.count())
            .where(visits.c.tenant_id == tenant_id, visits.c.property_id.in_(property_ids),
                   visits.c.status == SCHEDULED, visits.c.scheduled_for > sa.func.now())
        )
    return {"upcoming_visits": int(upcoming)}
