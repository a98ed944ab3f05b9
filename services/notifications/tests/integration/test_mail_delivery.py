"""The mail sender against the real database and a real SMTP server, including an outage."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.adapters.smtp import EVENT_ID_HEADER
from portal_notifications.domain.delivery import QUEUED, SENT, RetryPolicy
from portal_notifications.service_layer.handlers import handle_branch_created
from portal_notifications.service_layer.sender import MailSender

POLICY = RetryPolicy(base_delay=timedelta(seconds=30))


def queue(db, event) -> None:
    with db.unit_of_work() as session:
        handle_branch_created(session, event)


def the_message(db, event) -> OutboundMessage:
    with db.unit_of_work() as session:
        return session.scalars(sa.select(OutboundMessage).where(OutboundMessage.event_id == event.id)).one()


def soon() -> datetime:
    # A little ahead, so rows stamped by the database clock are certainly due.
    return datetime.now(UTC) + timedelta(seconds=1)


def test_a_queued_email_is_delivered_once_with_the_right_recipient_subject_and_link(
        db, smtp_server, mailer, make_branch_created):
    event = make_branch_created(company_contact_email="owner@acme.example")
    queue(db, event)
    sender = MailSender(db, mailer, policy=POLICY)

    assert sender.send_due(soon()).sent == 1
    assert sender.send_due(soon() + timedelta(hours=2)).claimed == 0  # nothing left to send

    [received] = smtp_server.received
    assert received.rcpt_tos == ["owner@acme.example"]
    assert received.mail_from == "no-reply@portal.localhost"
    email = received.message
    assert email["To"] == "owner@acme.example"
    assert email["Subject"] == "Your customer portal is live: North Branch"
    assert email[EVENT_ID_HEADER] == event.id
    assert email["Message-ID"]
    portal_url = event.data["portal_url"]
    assert portal_url in email.get_body(("plain",)).get_content()
    assert f'href="{portal_url}"' in email.get_body(("html",)).get_content()
    message = the_message(db, event)
    assert (message.status, message.attempts) == (SENT, 1)
    assert message.sent_at is not None


def test_while_the_smtp_server_is_down_mail_waits_and_goes_out_once_it_is_back(
        db, smtp_server, mailer, make_branch_created):
    event = make_branch_created()
    queue(db, event)
    sender = MailSender(db, mailer, policy=POLICY)
    smtp_server.stop()

    started = soon()
    result = sender.send_due(started)
    assert (result.sent, result.mailer_unavailable) == (0, True)
    message = the_message(db, event)
    assert (message.status, message.attempts) == (QUEUED, 1)
    assert message.next_attempt_at == started + timedelta(seconds=30)
    assert "MailerUnavailable" in message.last_error
    assert sender.send_due(started + timedelta(seconds=10)).claimed == 0  # not due before its backoff

    smtp_server.start()
    assert sender.send_due(started + timedelta(seconds=31)).sent == 1
    assert len(smtp_server.received) == 1
    message = the_message(db, event)
    assert (message.status, message.attempts, message.last_error) == (SENT, 2, None)


def test_senders_working_side_by_side_never_send_the_same_email_twice(
        db, smtp_server, mailer, make_branch_created):
    events = [make_branch_created(company_contact_email=f"owner{i}@acme.example") for i in range(24)]
    for event in events:
        queue(db, event)
    senders = [MailSender(db, mailer, policy=POLICY, batch_size=3) for _ in range(4)]
    now = soon()

    def drain(sender: MailSender) -> None:
        while sender.send_due(now).claimed:
            pass

    threads = [threading.Thread(target=drain, args=(sender,)) for sender in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    recipients = sorted(r.rcpt_tos[0] for r in smtp_server.received)
    assert recipients == sorted(e.data["company_contact_email"] for e in events)
    with db.unit_of_work() as session:
        assert session.scalar(sa.select(sa.func.count()).where(OutboundMessage.status == SENT)) == len(events)


def test_queueing_an_email_wakes_the_idle_senders_at_once_instead_of_at_their_next_poll(
        db, smtp_server, mailer, make_branch_created):
    # A poll interval far longer than the wait below: only the doorbell, rung on commit, can be in time.
    sender = MailSender(db, mailer, policy=POLICY, poll_interval=60.0, threads=3)
    stop = threading.Event()
    threads = [threading.Thread(target=loop, args=(stop,)) for _, loop in sender.loops()]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.3)  # every loop has found nothing and waits
        events = [make_branch_created(company_contact_email=f"owner{i}@acme.example") for i in range(3)]
        for event in events:
            queue(db, event)
        deadline = time.monotonic() + 5
        while len(smtp_server.received) < len(events) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted(
            e.data["company_contact_email"] for e in events)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=70)
