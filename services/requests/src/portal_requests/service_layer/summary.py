"""The signed-in customer's service-request figures, over the properties they may see
(the kit's /summary has already narrowed `property_ids` to those)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_requests.adapters.orm import requests
from portal_requests.domain.requests import OPEN



def request_figures(session: Session, *, tenant_id: str, property_ids: list[str]) -> dict:
    """pending_requests: requests still open that the customer sees (Include Client)."""
    pending = 0
    if property_ids:
        pending = session.scalar(
            sa.select(sa.func.count())
            .where(requests.c.tenant_id == tenant_id, requests.c.property_id.in_(property_ids),
                   requests.c.status == OPEN, requests.c.include_client.is_(True))
        )
    return {"pending_requests": int(pending)}
