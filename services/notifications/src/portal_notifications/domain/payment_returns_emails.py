"""The email a customer gets when their bank returns an ACH payment made in the portal (billing's
`payment_returned`): which invoices are open again, for how much, and why, in plain words. Pure: event
data in, an `EmailDraft` out."""
from __future__ import annotations

from typing import Any

from portal_notifications.domain.emails import (
    EmailDraft, UnsafeEventData, _one_line, mailbox, parse_time, time_in_words,
)
from portal_shared.money import dollars

PAYMENT_RETURNED = "payment_returned"

# NACHA return codes a customer is most likely to meet, in words they can act on; others get the generic one.
RETURN_REASONS = {
    "R01": "there were not enough funds in the account",
    "R02": "the account is closed",
    "R03": "the bank could not find the account",
    "R04": "the account number is not valid",
    "R05": "the debit was not authorised for this kind of account",
    "R07": "the account holder revoked the authorisation",
    "R08": "payment was stopped on the account",
    "R10": "the account holder told the bank the debit was not authorised",
    "R16": "the account is frozen",
    "R29": "the account does not accept debits from businesses",
}
GENERIC_REASON = "the bank did not pay it"


def return_reason(code: str | None) -> str:
    return RETURN_REASONS.get((code or "").strip().upper(), GENERIC_REASON)


def payment_returned_email(returned: dict[str, Any]) -> EmailDraft | None:
    """'Your bank returned your payment': the amount, each invoice open again, the bank's reason; None when
    billing knows no address for the contact."""
    to_email = (returned.get("contact_email") or "").strip()
    if not to_email:
        return None
    if "@" not in to_email or any(c.isspace() for c in to_email):
        raise UnsafeEventData(f"not an email address: {to_email!r}")
    invoices = [{"number": _one_line(str(a["invoice_number"])), "amount": dollars(int(a["amount_cents"]))}
                for a in returned.get("allocations") or []]
    if not invoices:
        invoices = [{"number": _one_line(str(returned["invoice_number"])),
                     "amount": dollars(int(returned["amount_cents"]))}]
    numbers = ", ".join(f"#{i['number']}" for i in invoices)
    label = "Invoice" if len(invoices) == 1 else "Invoices"
    return EmailDraft(
        template=PAYMENT_RETURNED,
        to_address=mailbox(returned.get("contact_name"), to_email),
        subject=f"Your bank returned your payment: {label} {numbers} open again",
        context={
            "to_name": _one_line(returned.get("contact_name") or ""),
            "amount": dollars(int(returned["amount_cents"])),
            "invoices": invoices,
            "return_code": _one_line(returned.get("return_code") or ""),
            "reason": return_reason(returned.get("return_code")),
            "returned_at": time_in_words(parse_time(returned["returned_at"])),
            "after_settlement": bool(returned.get("after_settlement")),
        },
    )
