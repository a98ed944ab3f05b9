"""The email a customer gets when their bank returns an ACH payment (billing's `payment_returned`):
drafted from the event as its contract delivers it, rendered with the real templates."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from portal_notifications.adapters.templates import EmailRenderer
from portal_notifications.domain.emails import UnsafeEventData
from portal_notifications.domain.payment_returns_emails import payment_returned_email, return_reason
from portal_shared.events import make_event


def returned_event(**overrides):
    invoice = str(uuid.uuid4())
    data = {"payment_id": str(uuid.uuid4()), "invoice_id": invoice, "invoice_external_id": "inv-18",
            "invoice_number": "18", "property_id": str(uuid.uuid4()), "contact_id": str(uuid.uuid4()),
            "method": "ach", "amount_cents": 33_870, "fee_cents": 0, "processor_reference": "123456789012",
            "return_code": "R01", "returned_at": datetime(2025, 5, 2, 15, 0, tzinfo=UTC), "after_settlement": False,
            "allocations": [
                {"invoice_id": invoice, "invoice_external_id": "inv-18", "invoice_number": "18",
                 "amount_cents": 23_870},
                {"invoice_id": str(uuid.uuid4()), "invoice_external_id": "inv-19", "invoice_number": "19",
                 "amount_cents": 10_000}],
            "contact_email": "camilla@customer.example", "contact_name": "Camilla Sailor", **overrides}
    return make_event("payment_returned", data, tenant_id=uuid.uuid4(), branch_id=uuid.uuid4()).data


@pytest.fixture(scope="module")
def renderer() -> EmailRenderer:
    return EmailRenderer()


def test_the_email_says_which_invoices_are_open_again_for_how_much_and_why(renderer):
    draft = payment_returned_email(returned_event())
    assert draft.to_address == "Camilla Sailor <camilla@customer.example>"
    assert draft.subject == "Your bank returned your payment: Invoices #18, #19 open again"
    rendered = renderer.render(draft)
    for body in (rendered.text_body, rendered.html_body):
        assert "$338.70" in body and "Invoice #18" in body and "$238.70" in body and "$100.00" in body
        assert "not enough funds" in body and "R01" in body and "2 May 2025 at 15:00 UTC" in body
        assert "these invoices are" in body and "after it had been paid" not in body


def test_a_return_after_settlement_says_so_and_one_invoice_reads_in_the_singular(renderer):
    event = returned_event(after_settlement=True, return_code="R10", amount_cents=23_870, allocations=[])
    draft = payment_returned_email(event)
    assert draft.subject == "Your bank returned your payment: Invoice #18 open again"
    text = renderer.render(draft).text_body
    assert "after it had been paid" in text and "not authorised" in text and "this invoice is" in text


def test_an_unknown_code_gets_the_generic_reason_and_no_address_means_no_email():
    assert return_reason("R99") == return_reason(None) == "the bank did not pay it"
    assert payment_returned_email(returned_event(contact_email=None)) is None


def test_a_name_cannot_inject_headers_and_an_address_must_be_one():
    draft = payment_returned_email(returned_event(contact_name="Eve\r\nBcc: all@example.com"))
    assert "\n" not in draft.to_address and "\r" not in draft.to_address
    with pytest.raises(UnsafeEventData):
        payment_returned_email(returned_event(contact_email="not an address"))
