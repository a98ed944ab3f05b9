"""billing's `payment_returned` on the real database and a real SMTP server: one email to the paying
contact, even when the event is handled twice, and none when billing knew no address."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.domain.delivery import QUEUED, RetryPolicy
from portal_notifications.service_layer.handlers import email_handlers
from portal_notifications.service_layer.sender import MailSender
from portal_shared.events import make_event


def payment_returned(**overrides):
    invoice = str(uuid.uuid4())
    data = {"payment_id": str(uuid.uuid4()), "invoice_id": invoice, "invoice_external_id": "inv-18",
            "invoice_number": "18", "property_id": str(uuid.uuid4()), "contact_id": str(uuid.uuid4()),
            "method": "ach", "amount_cents": 23_870, "fee_cents": 0, "processor_reference": "123456789012",
            "return_code": "R01", "returned_at": datetime.now(UTC), "after_settlement": False,
            "allocations": [{"invoice_id": invoice, "invoice_external_id": "inv-18", "invoice_number": "18",
                             "amount_cents": 23_870}],
            "contact_email": "camilla@customer.example", "contact_name": "Camilla Sailor", **overrides}
    return make_event("payment_returned", data, tenant_id=uuid.uuid4(), branch_id=uuid.uuid4())


def messages_for(db, event_id) -> list[OutboundMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(sa.select(OutboundMessage).where(OutboundMessage.event_id == event_id)))


def test_a_returned_payment_emails_the_payer_once(db, smtp_server, mailer):
    event = payment_returned()
    handle = email_handlers()["payment_returned"]
    for _ in range(2):
        with db.unit_of_work() as session:
            handle(session, event)
    [message] = messages_for(db, event.id)
    assert (message.template, message.status) == ("payment_returned", QUEUED)
    assert message.to_address == "Camilla Sailor <camilla@customer.example>"
    assert message.subject == "Your bank returned your payment: Invoice #18 open again"
    assert "$238.70" in message.text_body
    assert MailSender(db, mailer, policy=RetryPolicy()).send_due(datetime.now(UTC) + timedelta(seconds=1)).sent == 1


def test_no_address_no_email(db):
    event = payment_returned(contact_email=None)
    with db.unit_of_work() as session:
        email_handlers()["payment_returned"](session, event)
    assert messages_for(db, event.id) == []
