"""billing's events against the real database and a real SMTP server: a payment of a payer who opted in
becomes exactly one receipt (even when handled twice), listing each invoice of a multi-invoice payment;
a payer who did not opt in gets none; turning receipts on is confirmed by email."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses

import sqlalchemy as sa

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.service_layer.handlers import email_handlers
from portal_notifications.service_layer.sender import MailSender
from portal_shared.events import make_event

MAIL_FROM = "Customer Portal <no-reply@portal.example>"


def payment_succeeded(**overrides):
    data = {"payment_id": str(uuid.uuid4()), "invoice_id": str(uuid.uuid4()), "invoice_external_id": "demo:invoice:18",
            "invoice_number": "18", "property_id": str(uuid.uuid4()), "contact_id": str(uuid.uuid4()),
            "method": "card", "amount_cents": 10000, "fee_cents": 300, "processor_reference": "123456789012",
            "paid_at": datetime(2025, 5, 1, 14, 30, tzinfo=UTC), "receipt_email": "camilla@example.com",
            "receipt_name": "Camilla Sailor", "property_name": "Tar Valon Towers", "balance_cents": 13870}
    data.update(overrides)
    return make_event("payment_succeeded", data, tenant_id=uuid.uuid4(), branch_id=uuid.uuid4())


def queued(db, event_id) -> list[OutboundMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(sa.select(OutboundMessage).where(OutboundMessage.event_id == event_id)))


def handle(db, event) -> None:
    with db.unit_of_work() as session:
        email_handlers(mail_from=MAIL_FROM)[event.type](session, event)


def deliver(db, mailer):
    MailSender(db, mailer).send_due(datetime.now(UTC) + timedelta(seconds=1))


def test_an_opted_in_payer_gets_one_receipt_even_when_the_event_comes_twice(db, smtp_server, mailer):
    event = payment_succeeded()
    handle(db, event)
    handle(db, event)
    [message] = queued(db, event.id)
    assert (message.template, message.subject) == ("payment_receipt", "Payment receipt: Invoice #18")
    deliver(db, mailer)
    [received] = smtp_server.received
    assert received.rcpt_tos == ["camilla@example.com"]
    email = received.message
    assert getaddresses([email["To"]]) == [("Camilla Sailor", "camilla@example.com")]
    text = email.get_body(("plain",)).get_content()
    assert "Thank you for your payment for Tar Valon Towers." in text
    assert "Invoice #18: paid $100.00, balance $138.70" in text
    assert "Convenience Fee: $3.00" in text and "Total charged: $103.00" in text
    assert "Payment method: Card" in text and "Reference: 123456789012" in text
    assert "1 May 2025 at 14:30 UTC" in text
    html = email.get_body(("html",)).get_content()
    assert "<td>Invoice #18</td>" in html and "$100.00" in html


def test_a_payer_who_did_not_opt_in_gets_no_receipt(db, smtp_server, mailer):
    event = payment_succeeded(receipt_email=None)
    handle(db, event)
    assert queued(db, event.id) == []


def test_a_bank_payment_has_no_fee_line(db, smtp_server, mailer):
    event = payment_succeeded(method="ach", fee_cents=0)
    handle(db, event)
    deliver(db, mailer)
    text = smtp_server.received[-1].message.get_body(("plain",)).get_content()
    assert "Convenience Fee" not in text and "Payment method: Bank account (ACH)" in text
    assert "Total charged: $100.00" in text


def test_a_payment_of_several_invoices_lists_each_of_them(db, smtp_server, mailer):
    event = payment_succeeded(amount_cents=30000, fee_cents=0, method="ach")
    # billing-ach's optional `allocations` (one payment for several invoices), read as it arrives on the bus.
    event = dataclasses.replace(event, data={**event.data, "allocations": [
        {"invoice_id": str(uuid.uuid4()), "invoice_number": "18", "amount_cents": 23870, "balance_cents": 0},
        {"invoice_id": str(uuid.uuid4()), "invoice_number": "21", "amount_cents": 6130, "balance_cents": 3870}]})
    handle(db, event)
    [message] = queued(db, event.id)
    assert message.subject == "Payment receipt: Invoices #18, #21"
    assert "Invoice #18: paid $238.70, balance $0.00" in message.text_body
    assert "Invoice #21: paid $61.30, balance $38.70" in message.text_body
    assert "Amount: $300.00" in message.text_body


def test_turning_receipts_on_is_confirmed_by_email(db, smtp_server, mailer):
    event = make_event("email_receipts_enabled", {"contact_id": str(uuid.uuid4()), "to_email": "camilla@example.com",
                                                  "to_name": "Camilla Sailor"},
                       tenant_id=uuid.uuid4(), branch_id=uuid.uuid4())
    handle(db, event)
    handle(db, event)
    [message] = queued(db, event.id)
    assert (message.template, message.subject) == ("receipts_enabled", "Email receipts are on")
    assert message.to_address == "Camilla Sailor <camilla@example.com>"
    assert "we will email a receipt to camilla@example.com for each payment" in message.text_body
    assert "Email receipts enabled" in message.text_body


def test_the_emails_consumer_is_bound_to_billings_events():
    handlers = email_handlers()
    assert {"payment_succeeded", "email_receipts_enabled"} <= set(handlers)
