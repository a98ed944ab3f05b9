"""A property's account statement for a date range (the customer's *Statement* PDF): the movements are read
here, the arithmetic is domain/statements.py's. The customer must see the property (404 otherwise).

What counts, on which day: a sent, not voided invoice on its invoice date; a payment the back office
recorded on its `paid_on`; a portal payment that succeeded on the (UTC) day it was made (its card fee is
the processor's, not the account's); a credit applied to one of those invoices on its credit date (or, when
the back office gave none, its invoice's date). Unapplied credits are listed apart and not counted.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import credits, invoices, payment_allocations, payments, properties
from portal_billing.domain import statements as rules
from portal_billing.domain.statements import CREDIT, INVOICE, PAYMENT, Movement
from portal_shared.access.guard import Customer, authorize
from portal_shared.errors import ValidationFailed

METHOD_WORDS = {"card": "card", "ach": "bank account (ACH)"}


def _movements(session: Session, tenant_id: str, property_id: str, end: date) -> list[Movement]:
    found: list[Movement] = []
    billed = session.execute(sa.select(invoices.c.id, invoices.c.external_id, invoices.c.number,
                                       invoices.c.invoice_date, invoices.c.total_cents, invoices.c.payments).where(
        invoices.c.tenant_id == tenant_id, invoices.c.property_id == property_id, invoices.c.sent.is_(True),
        invoices.c.voided.is_(False), invoices.c.invoice_date <= end)).all()
    by_id = {row.id: row for row in billed}
    by_external = {row.external_id: row for row in billed}
    for row in billed:
        found.append(Movement(row.invoice_date, INVOICE, f"Invoice #{row.number}", row.total_cents))
        for paid in row.payments or []:
            found.append(Movement(date.fromisoformat(paid["paid_on"]), PAYMENT,
                                  f"Payment, invoice #{row.number}", int(paid["amount_cents"])))
    if by_id:
        # Each portal payment by its share of this property's invoices (one payment may pay several).
        portal = session.execute(sa.select(
            payment_allocations.c.invoice_id, payments.c.method, payment_allocations.c.amount_cents,
            sa.cast(sa.func.timezone("UTC", payments.c.created_at), sa.Date).label("paid_on"))
            .join(payments, (payments.c.id == payment_allocations.c.payment_id) & (payments.c.tenant_id == tenant_id))
            .where(payment_allocations.c.tenant_id == tenant_id, payment_allocations.c.invoice_id.in_(list(by_id)),
                   payments.c.status == "succeeded")).all()
        for paid in portal:
            found.append(Movement(paid.paid_on, PAYMENT, f"Payment by {METHOD_WORDS.get(paid.method, paid.method)}, "
                                  f"invoice #{by_id[paid.invoice_id].number}", paid.amount_cents))
    applied = session.execute(sa.select(credits.c.invoice_external_id, credits.c.credit_date, credits.c.amount_cents)
                              .where(credits.c.tenant_id == tenant_id, credits.c.property_id == property_id,
                                     credits.c.voided.is_(False), credits.c.invoice_external_id.is_not(None))).all()
    for credit in applied:
        invoice = by_external.get(credit.invoice_external_id)
        if invoice is not None and credit.amount_cents:
            found.append(Movement(credit.credit_date or invoice.invoice_date, CREDIT,
                                  f"Credit, invoice #{invoice.number}", credit.amount_cents))
    return [m for m in found if m.on <= end]


def account_statement(session: Session, *, customer: Customer, property_id: str, start: date,
                      end: date) -> dict[str, Any]:
    """The statement of a property the customer sees, for [start, end]: 422 naming `to` for a bad range."""
    errors = rules.range_errors(start, end)
    if errors:
        raise ValidationFailed("Choose a statement range of at most three years, \"from\" before \"to\".",
                               errors=errors)
    authorize(session, customer, property_id)
    place = session.execute(sa.select(properties).where(properties.c.tenant_id == customer.tenant_id,
                                                        properties.c.id == property_id)).first()
    unapplied = session.execute(sa.select(credits.c.credit_date, credits.c.amount_cents).where(
        credits.c.tenant_id == customer.tenant_id, credits.c.property_id == property_id,
        credits.c.voided.is_(False), credits.c.invoice_external_id.is_(None),
        sa.or_(credits.c.credit_date.is_(None), credits.c.credit_date <= end)).order_by(credits.c.credit_date)).all()
    return {
        "property": {"id": property_id, "name": place.name if place else "", "street": place.street if place else None,
                     "city": place.city if place else None, "state": place.state if place else None,
                     "zip": place.zip if place else None},
        "statement": rules.statement(_movements(session, customer.tenant_id, property_id, end), start=start, end=end),
        "unapplied_credits": [{"credit_date": c.credit_date, "amount_cents": c.amount_cents} for c in unapplied],
    }
