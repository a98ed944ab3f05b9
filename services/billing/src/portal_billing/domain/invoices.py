"""Invoices as billing's rules see them (no Flask, SQLAlchemy or pika here).

- Money crosses the API as decimal strings ("238.70") and lives in integer cents.
- An invoice's document must add up: each line's extended price is its quantity × unit price
  (rounded half up to the cent), each service's total is its lines' extended prices plus its sales
  tax, and the invoice's total is its services' totals; payments never exceed the total.
- What a customer owes on an invoice (its balance) is total − paid − the credits applied to it,
  never below zero; it is Due while that is above zero, Pending while a payment is unsettled, Paid otherwise. Unapplied credits lower
  nothing (the seeds: "Current Balance includes applied invoice credits, but not unapplied ones").
- The title a customer reads: "Invoice #18: Irrigation Inspection" for one opportunity, the
  number alone ("Invoice #18") for several.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DUE, PAID, PENDING = "Due", "Paid", "Pending"
CENT = Decimal("0.01")


def cents(amount: Decimal | str) -> int:
    """Decimal("238.70") → 23870 (exact: the schema allows at most two decimals)."""
    return int((Decimal(amount) * 100).to_integral_value())


def extended_cents(quantity: Decimal | str, unit_price: Decimal | str) -> int:
    """quantity × unit price, rounded half up to the cent, in cents."""
    return cents((Decimal(quantity) * Decimal(unit_price)).quantize(CENT, rounding=ROUND_HALF_UP))


def due_date(invoice_date: date, terms_days: int) -> date:
    """The due date Net N terms give."""
    return invoice_date + timedelta(days=terms_days)


def terms_label(terms_days: int) -> str:
    return f"Net {terms_days}"


def check_document(doc: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """(errors by field path, the document in cents). `doc` is the loaded InvoiceUpsert (amounts as Decimal)."""
    errors: dict[str, list[str]] = {}
    opportunity_numbers = [o["number"] for o in doc["opportunities"]]
    if len(set(opportunity_numbers)) != len(opportunity_numbers):
        errors["opportunities"] = ["An opportunity is listed twice."]
    services = []
    for s_index, service in enumerate(doc["services"]):
        where = f"services.{s_index}"
        if service["opportunity_number"] not in opportunity_numbers:
            errors[f"{where}.opportunity_number"] = ["Not one of the invoice's opportunities."]
        lines = []
        for l_index, line in enumerate(service["lines"]):
            extended = cents(line["extended_price"])
            if extended != extended_cents(line["quantity"], line["unit_price"]):
                errors[f"{where}.lines.{l_index}.extended_price"] = [
                    f"Is not quantity × unit price ({line['quantity']} × {line['unit_price']})."]
            lines.append({"quantity": str(line["quantity"]), "item": line["item"],
                          "unit_price_cents": cents(line["unit_price"]), "extended_price_cents": extended})
        tax, total = cents(service["sales_tax"]), cents(service["total"])
        if lines and total != sum(line["extended_price_cents"] for line in lines) + tax:
            errors[f"{where}.total"] = ["Is not the sum of the lines' extended prices plus the sales tax."]
        services.append({"opportunity_number": service["opportunity_number"], "name": service["name"],
                         "lines": lines, "sales_tax_cents": tax, "total_cents": total})
    total = cents(doc["total"])
    if services and total != sum(s["total_cents"] for s in services):
        errors["total"] = ["Is not the sum of the services' totals."]
    payments = [{"external_id": p["external_id"], "paid_on": p["paid_on"].isoformat(),
                 "amount_cents": cents(p["amount"])} for p in doc["payments"]]
    payment_ids = [p["external_id"] for p in payments]
    if len(set(payment_ids)) != len(payment_ids):
        errors["payments"] = ["A payment is listed twice."]
    paid = sum(p["amount_cents"] for p in payments)
    if paid > total:
        errors["payments"] = ["The payments exceed the invoice's total."]
    try:
        due = due_date(doc["invoice_date"], doc["terms_days"])
    except OverflowError:
        errors["terms_days"] = ["The due date they give is past the year 9999."]
        due = None
    return errors, {
        "opportunities": doc["opportunities"], "services": services, "payments": payments,
        "total_cents": total, "paid_cents": paid, "due_date": due,
    }


def status(balance: int, pending: int = 0) -> str:
    """Due while a balance remains; otherwise Pending while part of what paid it is not yet known to be paid
    (a charge whose answer was lost, an ACH debit until it settles), then Paid. The figures are computed in
    SQL (service_layer.invoices)."""
    if balance > 0:
        return DUE
    return PENDING if pending > 0 else PAID


def title(number: str, opportunities: list[dict[str, Any]]) -> str:
    if len(opportunities) == 1 and opportunities[0].get("name"):
        return f"Invoice #{number}: {opportunities[0]['name']}"
    return f"Invoice #{number}"
