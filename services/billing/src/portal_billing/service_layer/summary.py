"""The signed-in customer's billing figures, over the properties they may see."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import invoices
from portal_shared.access import Customer, visible_property_ids

OPEN = "Open"


def customer_summary(session: Session, *, customer: Customer, requested: list[str] | None) -> dict:
    """current_balance_cents: what is still owed on open invoices; invoices_due: open invoices with a balance."""
    property_ids = visible_property_ids(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                        contact_id=customer.contact_id, requested=requested)
    balance = due = 0
    if property_ids:
        owed = invoices.c.total_cents - invoices.c.paid_cents
        balance, due = session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(owed), 0), sa.func.count().filter(owed > 0))
            .where(invoices.c.tenant_id == customer.tenant_id, invoices.c.property_id.in_(property_ids),
                   invoices.c.status == OPEN)
        ).one()
    return {"current_balance_cents": int(balance), "invoices_due": int(due), "property_ids": property_ids}
