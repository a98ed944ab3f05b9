"""SmtpMailer against a real SMTP server: an outage and a refusal are told apart."""
from __future__ import annotations

import uuid

import pytest

from portal_notifications.adapters.smtp import MailerUnavailable, MailRejected, OutgoingEmail


def outgoing() -> OutgoingEmail:
    return OutgoingEmail(id=str(uuid.uuid4()), event_id=str(uuid.uuid4()),
                         from_address="Customer Portal <no-reply@portal.localhost>",
                         to_address="owner@acme.example", subject="Hello", text_body="hi\n", html_body="<p>hi</p>")


def test_a_stopped_server_is_unavailable_not_a_rejection(smtp_server, mailer):
    smtp_server.stop()
    with pytest.raises(MailerUnavailable):
        mailer.send(outgoing())


def test_a_permanent_5xx_answer_is_a_rejection(smtp_server, mailer):
    smtp_server.reply = "550 5.1.1 mailbox unavailable"
    with pytest.raises(MailRejected, match="550"):
        mailer.send(outgoing())


def test_a_temporary_4xx_answer_is_unavailable(smtp_server, mailer):
    smtp_server.reply = "451 4.3.0 try again later"
    with pytest.raises(MailerUnavailable, match="451"):
        mailer.send(outgoing())
