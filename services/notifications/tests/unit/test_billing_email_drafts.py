"""billing's email drafts (domain/billing_emails.py), no I/O: who gets a receipt, what its subject says,
and that names from events cannot break a header."""
from __future__ import annotations

from portal_notifications.domain.billing_emails import payment_receipt_email, receipts_enabled_email

PAYMENT = {"invoice_number": "18", "amount_cents": 10000, "fee_cents": 300, "method": "card",
           "processor_reference": "123", "paid_at": "2025-05-01T14:30:00+00:00", "receipt_email": "c@example.com",
           "receipt_name": "Camilla Sailor", "property_name": "Tar Valon Towers", "balance_cents": 13870}


def test_no_address_means_the_payer_did_not_opt_in_and_there_is_no_receipt():
    assert payment_receipt_email({**PAYMENT, "receipt_email": None}) is None
    assert payment_receipt_email({k: v for k, v in PAYMENT.items() if k != "receipt_email"}) is None


def test_one_invoice_or_each_of_the_allocations():
    one = payment_receipt_email(PAYMENT)
    assert one.subject == "Payment receipt: Invoice #18" and one.template == "payment_receipt"
    assert one.context["invoices"] == [{"number": "18", "amount": "$100.00", "balance": "$138.70"}]
    assert (one.context["fee"], one.context["charged"]) == ("$3.00", "$103.00")
    several = payment_receipt_email({**PAYMENT, "allocations": [
        {"invoice_number": "18", "amount_cents": 6000}, {"invoice_number": "21", "amount_cents": 4000}]})
    assert several.subject == "Payment receipt: Invoices #18, #21"
    assert [i["number"] for i in several.context["invoices"]] == ["18", "21"]


def test_a_name_with_a_line_break_stays_on_one_line():
    draft = payment_receipt_email({**PAYMENT, "receipt_name": "Camilla\r\nBcc: x@evil.example"})
    assert "\n" not in draft.to_address and "\r" not in draft.to_address
    assert receipts_enabled_email({"to_email": "c@example.com", "to_name": "A\nB"}).context["to_name"] == "A B"
