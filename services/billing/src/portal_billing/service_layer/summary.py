"""The signed-in customer's billing figures, over the properties they may see
(the kit's /summary has already narrowed `property_ids` to those)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_billing.service_layer.invoices import balance_figures


def billing_figures(session: Session, *, tenant_id: str, property_ids: list[str]) -> dict:
    """current_balance_cents: the sum of the due invoices' balances (credits count once applied to
    an invoice); invoices_due: how many invoices have a balance. Only sent, unvoided invoices count."""
    balance, due = balance_figures(session, tenant_id=tenant_id, property_ids=property_ids)
    return {"current_balance_cents": balance, "invoices_due": due}
