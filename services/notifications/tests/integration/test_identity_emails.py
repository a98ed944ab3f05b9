"""identity's events (invitation, password reset, password changed) against the real database
and a real SMTP server: each becomes exactly one email, even when handled twice, with the
right To, Subject, From and Reply-To."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parseaddr

import pytest
import sqlalchemy as sa

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.adapters.smtp import EVENT_ID_HEADER
from portal_notifications.domain.delivery import QUEUED, SENT, RetryPolicy
from portal_notifications.service_layer.handlers import email_handlers
from portal_notifications.service_layer.sender import MailSender

MAIL_FROM = "Customer Portal <no-reply@portal.example>"

# event fixture, template, subject, From display name, Reply-To
CASES = {
    "invitation_created": ("make_invitation_created", "invitation", "Your Demo Landscaping customer portal",
                           "Alex Admin via Demo Landscaping", ("Alex Admin", "alex@demo-landscaping.example")),
    "password_reset_requested": ("make_password_reset_requested", "password_reset",
                                 "Reset your password: Demo Landscaping", "Customer Portal", None),
    "password_changed": ("make_password_changed", "password_changed",
                         "Your password was changed: Demo Landscaping", "Customer Portal", None),
}


def messages_for(db, event_id) -> list[OutboundMessage]:
    with db.unit_of_work() as session:
        return list(session.scalars(sa.select(OutboundMessage).where(OutboundMessage.event_id == event_id)))


def soon() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=1)


@pytest.mark.parametrize("event_type", list(CASES))
def test_each_event_is_one_email_with_the_right_headers_even_when_handled_twice(
        request, db, smtp_server, mailer, event_type):
    fixture, template, subject, from_name, reply_to = CASES[event_type]
    event = request.getfixturevalue(fixture)()
    handle = email_handlers(mail_from=MAIL_FROM)[event_type]
    for _ in range(2):
        with db.unit_of_work() as session:
            handle(session, event)

    [message] = messages_for(db, event.id)
    assert (message.template, message.status, message.attempts) == (template, QUEUED, 0)
    assert (message.tenant_id, message.branch_id) == (event.tenant_id, event.branch_id)
    assert message.to_address == "Jane Doe <jane@customer.example>"
    assert message.subject == subject
    assert parseaddr(message.from_address) == (from_name, "no-reply@portal.example")
    assert (parseaddr(message.reply_to) if message.reply_to else None) == reply_to

    sender = MailSender(db, mailer, policy=RetryPolicy())
    assert sender.send_due(soon()).sent == 1
    assert sender.send_due(soon() + timedelta(hours=2)).claimed == 0

    [received] = smtp_server.received
    assert received.rcpt_tos == ["jane@customer.example"]
    assert received.mail_from == "no-reply@portal.example"
    email = received.message
    assert getaddresses([email["To"]]) == [("Jane Doe", "jane@customer.example")]
    assert email["Subject"] == subject
    assert parseaddr(email["From"]) == (from_name, "no-reply@portal.example")
    assert (parseaddr(email["Reply-To"]) if email["Reply-To"] else None) == reply_to
    assert email[EVENT_ID_HEADER] == event.id
    assert messages_for(db, event.id)[0].status == SENT


def test_the_invitation_link_arrives_in_the_text_and_as_a_link_in_the_html(db, smtp_server, mailer,
                                                                           make_invitation_created):
    event = make_invitation_created(company_name="<Acme & Sons>")
    with db.unit_of_work() as session:
        email_handlers(mail_from=MAIL_FROM)["invitation_created"](session, event)
    MailSender(db, mailer).send_due(soon())

    [received] = smtp_server.received
    link = event.data["link"]
    text = received.message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP lines end in CRLF
    assert text == event.data["body_text"]
    html = received.message.get_body(("html",)).get_content()
    assert f'<a href="{link}"' in html and ">Open your customer portal</a>" in html
    assert parseaddr(received.message["From"])[0] == "Alex Admin via <Acme & Sons>"


def test_the_reset_link_and_its_lifetime_arrive(db, smtp_server, mailer, make_password_reset_requested):
    event = make_password_reset_requested()
    with db.unit_of_work() as session:
        email_handlers(mail_from=MAIL_FROM)["password_reset_requested"](session, event)
    MailSender(db, mailer).send_due(soon())

    [received] = smtp_server.received
    text = received.message.get_body(("plain",)).get_content()
    assert event.data["link"] in text
    assert "This link works once and expires in 1 hour." in text
    assert f'href="{event.data["link"]}"' in received.message.get_body(("html",)).get_content()
