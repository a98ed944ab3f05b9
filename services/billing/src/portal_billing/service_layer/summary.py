"""The signed-in customer's billing figures, over the properties they may see
(the kit's /summary has already narrowed `property_ids` to those)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import invoices

OPEN = "Open"


def billing_figures(session: Session, *, tenant_id: str, property_ids: list[str]) -> dict:
    """current_balance_cents: what is still owed on open invoices; invoices_due: open invoices with a balance."""
    balance = due = 0
    if property_ids:
        owed = invoices.c.total_cents - invoices.c.paid_cents
        balance, due = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(owed), 0), sa.func.count().filter(owed > 0))
            .where(invoices.c.tenant_id == tenant_id, invoices.c.property_id.in_(property_ids),
                   invoices.c.status == OPEN)
        ).one()
    return {"current_balance_cents": int(balance), "invoices_due": int(due)}
