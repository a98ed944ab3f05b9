"""SmtpMailer against a real SMTP server: an outage and a refusal are told apart, and one connection
carries many messages (a fresh one when the server closed it, after idling, or after enough messages)."""
from __future__ import annotations

import dataclasses
import threading
import uuid

import pytest

from portal_notifications.adapters.smtp import MailerUnavailable, MailRejected, OutgoingEmail, SmtpMailer


def outgoing(to: str = "owner@acme.example") -> OutgoingEmail:
    return OutgoingEmail(id=str(uuid.uuid4()), event_id=str(uuid.uuid4()),
                         from_address="Customer Portal <no-reply@portal.localhost>",
                         to_address=to, subject="Hello", text_body="hi\n", html_body="<p>hi</p>")


def connections(smtp_server) -> int:
    return len({received.peer for received in smtp_server.received})


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


def test_one_connection_carries_many_messages_and_each_thread_has_its_own(smtp_server, mailer):
    for n in range(5):
        mailer.send(outgoing(f"first{n}@acme.example"))
    assert (len(smtp_server.received), connections(smtp_server)) == (5, 1)

    other = threading.Thread(target=lambda: [mailer.send(outgoing(f"other{n}@acme.example")) for n in range(3)])
    other.start()
    other.join(timeout=10)
    assert (len(smtp_server.received), connections(smtp_server)) == (8, 2)


def test_a_connection_the_server_closed_is_replaced_and_the_message_sent_once(smtp_server, mailer):
    mailer.send(outgoing("before@acme.example"))
    smtp_server.stop()   # closes every client connection, as a restart or an idle timeout does
    smtp_server.start()
    mailer.send(outgoing("after@acme.example"))
    assert [r.rcpt_tos for r in smtp_server.received] == [["before@acme.example"], ["after@acme.example"]]
    assert connections(smtp_server) == 2


def test_a_421_closing_answer_on_a_kept_connection_is_retried_once_on_a_new_one(smtp_server, mailer):
    mailer.send(outgoing("first@acme.example"))
    smtp_server.replies = ["421 4.3.2 shutting down"]   # this connection's next message only
    mailer.send(outgoing("second@acme.example"))
    assert [r.rcpt_tos for r in smtp_server.received] == [["first@acme.example"], ["second@acme.example"]]
    assert connections(smtp_server) == 2

    smtp_server.replies = ["421 4.3.2 shutting down", "421 4.3.2 shutting down"]  # the new connection too
    with pytest.raises(MailerUnavailable, match="421"):
        mailer.send(outgoing("third@acme.example"))


def test_after_a_rejection_the_connection_goes_on_with_the_next_message(smtp_server, mailer):
    mailer.send(outgoing("first@acme.example"))
    smtp_server.replies = ["550 5.1.1 mailbox unavailable"]
    with pytest.raises(MailRejected, match="550"):
        mailer.send(outgoing("refused@acme.example"))
    mailer.send(outgoing("third@acme.example"))
    assert [r.rcpt_tos for r in smtp_server.received] == [["first@acme.example"], ["third@acme.example"]]
    assert connections(smtp_server) == 1

    smtp_server.replies = ["451 4.3.0 try again later"]  # the server's trouble: start afresh next time
    with pytest.raises(MailerUnavailable, match="451"):
        mailer.send(outgoing("deferred@acme.example"))
    mailer.send(outgoing("fourth@acme.example"))
    assert connections(smtp_server) == 2


def test_a_new_connection_after_enough_messages_or_too_long_idle(smtp_server, mailer):
    capped = SmtpMailer(dataclasses.replace(mailer.settings, max_messages_per_connection=2))
    for n in range(5):
        capped.send(outgoing(f"capped{n}@acme.example"))
    assert connections(smtp_server) == 3   # 2 + 2 + 1

    idle = SmtpMailer(dataclasses.replace(mailer.settings, max_idle=0.0))
    idle.send(outgoing("idle1@acme.example"))
    idle.send(outgoing("idle2@acme.example"))
    assert connections(smtp_server) == 5
    idle.close_if_idle()
    capped.close()
