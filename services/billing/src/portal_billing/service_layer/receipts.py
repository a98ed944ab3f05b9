"""What a payment's receipt needs, carried by billing's own events so notifications never asks billing:
the payer's address when (and only when) they opted in to email receipts, their name, the property and
the invoice's balance once this payment is counted (`payment_succeeded`); and `email_receipts_enabled`
when a customer turns receipts on (notifications confirms it by email).

The address and name come from billing's copy of identity's directory (service_layer/directory.py).
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import contacts, payment_preferences, properties
from portal_billing.service_layer.invoices import invoice_balance_cents
from portal_shared.access.guard import Customer
from portal_shared.bus.outbox import record_event
from portal_shared.events import make_event


def _contact(session: Session, *, tenant_id: str, contact_id: str):
    return session.execute(sa.select(contacts.c.email, contacts.c.first_name, contacts.c.last_name).where(
        contacts.c.tenant_id == tenant_id, contacts.c.id == contact_id)).first()


def _opted_in(session: Session, *, tenant_id: str, contact_id: str) -> bool:
    return bool(session.scalar(sa.select(payment_preferences.c.email_receipts).where(
        payment_preferences.c.tenant_id == tenant_id, payment_preferences.c.contact_id == contact_id)))


def receipt_fields(session: Session, payment) -> dict[str, Any]:
    """The receipt's part of `payment_succeeded` for a payment row already marked succeeded: `receipt_email`
    is null unless the payer opted in (and billing knows their address)."""
    contact = _contact(session, tenant_id=payment.tenant_id, contact_id=payment.contact_id)
    wants = contact is not None and _opted_in(session, tenant_id=payment.tenant_id, contact_id=payment.contact_id)
    property_name = session.scalar(sa.select(properties.c.name).where(
        properties.c.tenant_id == payment.tenant_id, properties.c.id == payment.property_id))
    return {
        "receipt_email": contact.email if wants else None,
        "receipt_name": f"{contact.first_name} {contact.last_name}".strip() if contact is not None else None,
        "property_name": property_name,
        "balance_cents": invoice_balance_cents(session, tenant_id=payment.tenant_id, invoice_id=payment.invoice_id),
    }


def record_receipts_enabled(session: Session, *, customer: Customer) -> bool:
    """`email_receipts_enabled`, in the caller's transaction; False when billing does not know the address yet."""
    contact = _contact(session, tenant_id=customer.tenant_id, contact_id=customer.contact_id)
    if contact is None:
        return False
    record_event(session, make_event("email_receipts_enabled", {
        "contact_id": customer.contact_id, "to_email": contact.email,
        "to_name": f"{contact.first_name} {contact.last_name}".strip()},
        tenant_id=customer.tenant_id, branch_id=customer.branch_id))
    return True
