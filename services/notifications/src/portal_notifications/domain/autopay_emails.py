"""billing's autopay emails, as drafts from event data (no I/O): the notice three days before an enrolled
invoice is charged, the receipt of the charge, and the failure that stopped the property's autopay. Each
goes to the contact who enrolled the property (the event names them)."""
from __future__ import annotations

from datetime import date
from typing import Any

from portal_notifications.domain.emails import EmailDraft, mailbox
from portal_shared.money import dollars

AUTOPAY_UPCOMING = "autopay_upcoming"
AUTOPAY_CHARGED = "autopay_charged"
AUTOPAY_FAILED = "autopay_failed"


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _long_date(value: Any) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{day:%B} {day.day}, {day.year}"


def _context(data: dict[str, Any]) -> dict[str, Any]:
    return {"to_name": _one_line(data.get("to_name")), "invoice_number": _one_line(data["invoice_number"]),
            "property_name": _one_line(data.get("property_name")), "due_date": _long_date(data["due_date"]),
            "amount": dollars(int(data["amount_cents"])), "payment_method": _one_line(data["payment_method"])}


def _draft(template: str, data: dict[str, Any], subject: str, **extra: Any) -> EmailDraft:
    return EmailDraft(template=template, to_address=mailbox(data.get("to_name"), data["to_email"]),
                      subject=subject, context={**_context(data), **extra})


def autopay_upcoming_email(data: dict[str, Any]) -> EmailDraft:
    context = _context(data)
    return _draft(AUTOPAY_UPCOMING, data,
                  f"Autopay: invoice #{context['invoice_number']} will be paid on {context['due_date']}")


def autopay_charged_email(data: dict[str, Any]) -> EmailDraft:
    context = _context(data)
    fee = int(data.get("fee_cents") or 0)
    return _draft(AUTOPAY_CHARGED, data, f"Autopay receipt: invoice #{context['invoice_number']}",
                  fee=dollars(fee) if fee else None, charged=dollars(int(data["amount_cents"]) + fee),
                  pending=data.get("status") == "pending")


def autopay_failed_email(data: dict[str, Any]) -> EmailDraft:
    context = _context(data)
    return _draft(AUTOPAY_FAILED, data, f"Autopay could not pay invoice #{context['invoice_number']}",
                  reason=_one_line(data.get("reason")))
