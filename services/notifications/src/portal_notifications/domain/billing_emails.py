"""billing's emails, drafted from its events without I/O: the payment receipt (`payment_succeeded`, only
for a payer who turned *Email receipts enabled* on: billing then puts their address in the event) and
the confirmation that receipts are on (`email_receipts_enabled`).

A receipt lists the invoices the payment went to: each of `allocations` when billing sends them (one
payment for several invoices), else the event's one invoice.
"""
from __future__ import annotations

from typing import Any

from portal_notifications.domain.emails import EmailDraft, _one_line, mailbox, parse_time, time_in_words
from portal_shared.money import dollars

PAYMENT_RECEIPT = "payment_receipt"
RECEIPTS_ENABLED = "receipts_enabled"
METHOD_WORDS = {"card": "Card", "ach": "Bank account (ACH)"}


def _cents(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _invoices(payment: dict[str, Any]) -> list[dict[str, Any]]:
    """[{number, amount, balance}] — the allocations when present, else the one invoice."""
    allocations = payment.get("allocations")
    if isinstance(allocations, list) and allocations:
        rows = [a for a in allocations if isinstance(a, dict)]
    else:
        rows = [{"invoice_number": payment["invoice_number"], "amount_cents": payment["amount_cents"],
                 "balance_cents": payment.get("balance_cents")}]
    return [{"number": _one_line(str(r.get("invoice_number") or "")),
             "amount": dollars(_cents(r.get("amount_cents")) or 0),
             "balance": None if _cents(r.get("balance_cents")) is None else dollars(r["balance_cents"])}
            for r in rows]


def payment_receipt_email(payment: dict[str, Any]) -> EmailDraft | None:
    """The receipt, or None when the payer did not opt in (no `receipt_email`)."""
    to_email = (payment.get("receipt_email") or "").strip()
    if not to_email:
        return None
    invoices = _invoices(payment)
    amount, fee = _cents(payment["amount_cents"]) or 0, _cents(payment.get("fee_cents")) or 0
    numbers = ", ".join(f"#{i['number']}" for i in invoices)
    subject = f"Payment receipt: Invoice{'s' if len(invoices) > 1 else ''} {numbers}"
    return EmailDraft(
        template=PAYMENT_RECEIPT,
        to_address=mailbox(payment.get("receipt_name"), to_email),
        subject=subject,
        context={
            "to_name": _one_line(payment.get("receipt_name") or ""),
            "property_name": _one_line(payment.get("property_name") or ""),
            "invoices": invoices,
            "amount": dollars(amount), "fee": dollars(fee) if fee else None, "charged": dollars(amount + fee),
            "method": METHOD_WORDS.get(payment.get("method"), "Card"),
            "reference": _one_line(str(payment.get("processor_reference") or "")),
            "paid_at": time_in_words(parse_time(payment["paid_at"])),
        },
    )


def receipts_enabled_email(choice: dict[str, Any]) -> EmailDraft:
    """'Email receipts are on': what they will receive, and where to turn it off."""
    return EmailDraft(
        template=RECEIPTS_ENABLED,
        to_address=mailbox(choice.get("to_name"), choice["to_email"]),
        subject="Email receipts are on",
        context={"to_name": _one_line(choice.get("to_name") or ""), "to_email": choice["to_email"].strip()},
    )
