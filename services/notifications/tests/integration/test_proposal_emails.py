"""proposals' events against the real database and a real SMTP server: the sales rep is emailed once when a
customer signs (naming the optional services added and the new total; a change order says so), declines or
asks for changes (with the comment); no rep email, no email."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses

import sqlalchemy as sa

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.service_layer.handlers import email_handlers
from portal_notifications.service_layer.sender import MailSender
from portal_shared.events import make_event

MAIL_FROM = "Customer Portal <no-reply@portal.example>"
REP = {"name": "Camilla Sailor", "email": "cseiler@example.com"}


def proposal_signed(**overrides):
    data = {"proposal_id": str(uuid.uuid4()), "proposal_external_id": "demo:proposal:88", "number": "88",
            "name": "Major Landscaping Project 2024", "version": 1, "change_order": False,
            "property_id": str(uuid.uuid4()), "contact_id": str(uuid.uuid4()), "signer_name": "Camilla Ortiz",
            "price_cents": 4457933, "chosen_optional_services": [{"name": "Irrigation Audit", "amount_cents": 35000}],
            "total_cents": 4492933, "sales_rep": REP, "signed_pdf_sha256": "a" * 64,
            "signed_at": datetime(2025, 3, 20, 15, 5, tzinfo=UTC)}
    data.update(overrides)
    return make_event("proposal_signed", data, tenant_id=uuid.uuid4(), branch_id=uuid.uuid4())


def proposal_response(event_type: str, **overrides):
    data = {"proposal_id": str(uuid.uuid4()), "proposal_external_id": "demo:proposal:95", "number": "95",
            "name": "Tree Trimming", "version": 1, "property_id": str(uuid.uuid4()), "property_name": "Rabbit Tails",
            "contact_id": str(uuid.uuid4()), "contact_name": "Camilla Ortiz", "contact_email": "camilla@example.com",
            "comment": "Please split the oak work\ninto two visits.", "price_cents": 187500, "sales_rep": REP,
            "responded_at": datetime(2025, 3, 21, 9, 0, tzinfo=UTC)}
    data.update(overrides)
    return make_event(event_type, data, tenant_id=uuid.uuid4(), branch_id=uuid.uuid4())


def queued(db, event_id) -> list[OutboundMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(sa.select(OutboundMessage).where(OutboundMessage.event_id == event_id)))


def handle(db, event) -> None:
    with db.unit_of_work() as session:
        email_handlers(mail_from=MAIL_FROM)[event.type](session, event)


def deliver(db, mailer):
    MailSender(db, mailer).send_due(datetime.now(UTC) + timedelta(seconds=1))


def test_the_rep_hears_once_that_the_customer_signed_and_what_they_added(db, smtp_server, mailer):
    event = proposal_signed()
    handle(db, event)
    handle(db, event)
    [message] = queued(db, event.id)
    assert message.template == "proposal_signed"
    assert message.subject == "Camilla Ortiz signed proposal #88 and added Irrigation Audit"
    deliver(db, mailer)
    [received] = smtp_server.received
    assert received.rcpt_tos == ["cseiler@example.com"]
    assert getaddresses([received.message["To"]]) == [("Camilla Sailor", "cseiler@example.com")]
    text = received.message.get_body(("plain",)).get_content()
    assert "Proposal #88: Major Landscaping Project 2024" in text
    assert "- Irrigation Audit: $350.00" in text and "Price: $44,579.33" in text
    assert "New total: $44,929.33" in text and "20 March 2025 at 15:05 UTC" in text
    assert "change order" not in text
    html = received.message.get_body(("html",)).get_content()
    assert "<li>Irrigation Audit: $350.00</li>" in html and "$44,929.33" in html


def test_a_signed_change_order_says_so(db, smtp_server, mailer):
    event = proposal_signed(version=2, change_order=True, chosen_optional_services=[
        {"name": "Seasonal Color Rotation", "amount_cents": 125000}, {"name": "Irrigation Audit", "amount_cents": 35000}],
        total_cents=4617933)
    handle(db, event)
    [message] = queued(db, event.id)
    assert message.subject == ("Camilla Ortiz signed change order (version 2) of proposal #88 and added "
                               "Seasonal Color Rotation and Irrigation Audit")
    assert "(change order, version 2)" in message.text_body and "New total: $46,179.33" in message.text_body


def test_a_signature_without_optional_services_names_none(db, smtp_server, mailer):
    event = proposal_signed(chosen_optional_services=[], total_cents=4457933)
    handle(db, event)
    [message] = queued(db, event.id)
    assert message.subject == "Camilla Ortiz signed proposal #88"
    assert "No optional services added." in message.text_body and "New total: $44,579.33" in message.text_body


def test_no_rep_email_no_email(db, smtp_server, mailer):
    for event in (proposal_signed(sales_rep=None), proposal_signed(sales_rep={"name": "Rep", "email": None}),
                  proposal_response("proposal_declined", sales_rep=None)):
        handle(db, event)
        assert queued(db, event.id) == []


def test_the_rep_hears_once_that_the_customer_declined_and_why(db, smtp_server, mailer):
    event = proposal_response("proposal_declined", comment="We went with another quote.")
    handle(db, event)
    handle(db, event)
    [message] = queued(db, event.id)
    assert (message.template, message.subject) == ("proposal_declined", "Camilla Ortiz declined proposal #95")
    deliver(db, mailer)
    [received] = smtp_server.received
    assert received.rcpt_tos == ["cseiler@example.com"]
    text = received.message.get_body(("plain",)).get_content()
    assert "Status in the portal: Declined" in text and "We went with another quote." in text
    assert "Reply to Camilla Ortiz at camilla@example.com." in text


def test_the_rep_hears_what_changes_the_customer_asked_for(db, smtp_server, mailer):
    event = proposal_response("proposal_changes_requested", comment="<b>Split</b> the oak work & the rest")
    handle(db, event)
    [message] = queued(db, event.id)
    assert message.subject == "Camilla Ortiz asked for changes to proposal #95"
    assert "Status in the portal: Changes Requested" in message.text_body
    assert "<b>Split</b> the oak work & the rest" in message.text_body
    assert "&lt;b&gt;Split&lt;/b&gt; the oak work &amp; the rest" in message.html_body


def test_the_emails_consumer_is_bound_to_proposals_events():
    assert {"proposal_signed", "proposal_declined", "proposal_changes_requested"} <= set(email_handlers())
