"""Delivering one message with a FakeMailer: what is recorded on success, failure and outage."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.adapters.smtp import EVENT_ID_HEADER, FakeMailer, MailerUnavailable, MailRejected
from portal_notifications.domain.delivery import FAILED, QUEUED, SENT, RetryPolicy
from portal_notifications.service_layer.sender import Outcome, deliver

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(base_delay=timedelta(seconds=30), max_delay=timedelta(hours=1), max_attempts=8)


def queued_message(**overrides) -> OutboundMessage:
    values = dict(
        id=str(uuid.uuid4()), tenant_id=str(uuid.uuid4()), branch_id=str(uuid.uuid4()),
        event_id=str(uuid.uuid4()), template="portal_live", to_address="owner@acme.example",
        from_address="Customer Portal <no-reply@portal.localhost>", subject="Your customer portal is live: North",
        text_body="Open http://north.localhost:8080\n", html_body='<a href="http://north.localhost:8080">open</a>',
        reply_to=None, status=QUEUED, attempts=0, next_attempt_at=NOW, last_error=None, sent_at=None,
    )
    values.update(overrides)
    return OutboundMessage(**values)


def test_a_successful_send_marks_the_message_sent():
    message, mailer = queued_message(), FakeMailer()
    assert deliver(message, mailer, policy=POLICY, now=NOW) is Outcome.SENT
    assert (message.status, message.sent_at, message.attempts, message.last_error) == (SENT, NOW, 1, None)
    assert len(mailer.sent) == 1


def test_the_sent_email_has_text_and_html_parts_a_message_id_and_the_event_id():
    message, mailer = queued_message(), FakeMailer()
    deliver(message, mailer, policy=POLICY, now=NOW)
    sent = mailer.sent[0]
    assert sent["To"] == "owner@acme.example"
    assert sent["From"] == "Customer Portal <no-reply@portal.localhost>"
    assert sent["Subject"] == "Your customer portal is live: North"
    assert sent["Message-ID"] == f"<{message.id}@portal.localhost>"
    assert sent[EVENT_ID_HEADER] == message.event_id
    assert sent.get_content_type() == "multipart/alternative"
    assert "http://north.localhost:8080" in sent.get_body(("plain",)).get_content()
    assert 'href="http://north.localhost:8080"' in sent.get_body(("html",)).get_content()


def test_the_stored_reply_to_becomes_the_reply_to_header_and_none_means_no_header():
    mailer = FakeMailer()
    deliver(queued_message(from_address="Alex Admin via Demo <no-reply@portal.localhost>",
                           reply_to="Alex Admin <alex@demo.example>"), mailer, policy=POLICY, now=NOW)
    deliver(queued_message(), mailer, policy=POLICY, now=NOW)
    with_reply_to, without = mailer.sent
    assert with_reply_to["Reply-To"] == "Alex Admin <alex@demo.example>"
    assert with_reply_to["From"] == "Alex Admin via Demo <no-reply@portal.localhost>"
    assert with_reply_to["Message-ID"].endswith("@portal.localhost>")
    assert without["Reply-To"] is None


def test_an_unavailable_server_keeps_the_message_queued_for_a_later_attempt():
    message = queued_message()
    outcome = deliver(message, FakeMailer(MailerUnavailable("connection refused")), policy=POLICY, now=NOW)
    assert outcome is Outcome.UNAVAILABLE
    assert message.status == QUEUED
    assert message.attempts == 1
    assert message.next_attempt_at == NOW + timedelta(seconds=30)
    assert "connection refused" in message.last_error


def test_each_retry_waits_twice_as_long_up_to_the_cap():
    assert [POLICY.delay(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_later_success_after_failures_marks_the_message_sent():
    message = queued_message()
    mailer = FakeMailer(MailerUnavailable("down"), MailerUnavailable("down"))
    deliver(message, mailer, policy=POLICY, now=NOW)
    deliver(message, mailer, policy=POLICY, now=NOW + timedelta(seconds=30))
    assert message.next_attempt_at == NOW + timedelta(seconds=30 + 60)
    assert deliver(message, mailer, policy=POLICY, now=NOW + timedelta(seconds=90)) is Outcome.SENT
    assert (message.status, message.attempts, message.last_error) == (SENT, 3, None)
    assert len(mailer.sent) == 1


def test_an_outage_never_fails_a_message_however_long_it_lasts():
    message = queued_message()
    mailer = FakeMailer(*[MailerUnavailable("down")] * 20)
    for _ in range(20):
        deliver(message, mailer, policy=POLICY, now=NOW)
    assert message.status == QUEUED
    assert message.attempts == 20
    assert message.next_attempt_at == NOW + timedelta(hours=1)


def test_a_rejected_message_is_retried_then_fails_at_the_attempt_limit():
    message = queued_message()
    mailer = FakeMailer(*[MailRejected("550 no such user")] * POLICY.max_attempts)
    outcomes = [deliver(message, mailer, policy=POLICY, now=NOW) for _ in range(POLICY.max_attempts)]
    assert outcomes[:-1] == [Outcome.RETRY] * (POLICY.max_attempts - 1)
    assert outcomes[-1] is Outcome.FAILED
    assert (message.status, message.attempts) == (FAILED, POLICY.max_attempts)
    assert "550 no such user" in message.last_error


def test_a_message_that_cannot_be_built_counts_as_rejected_and_does_not_stall_the_queue():
    message = queued_message(subject="broken\nBcc: someone@example.com")
    outcome = deliver(message, FakeMailer(), policy=POLICY, now=NOW)
    assert outcome is Outcome.RETRY
    assert message.status == QUEUED and message.attempts == 1


@pytest.mark.parametrize("attempts, rejected, gives_up", [(7, True, False), (8, True, True), (100, False, False)])
def test_only_rejections_reach_the_attempt_limit(attempts, rejected, gives_up):
    assert POLICY.gives_up(attempts, rejected=rejected) is gives_up


def test_names_subjects_and_bodies_beyond_ascii_arrive_intact():
    mailer = FakeMailer()
    deliver(queued_message(from_address='"José Núñez, via Café Verde" <no-reply@portal.localhost>',
                           to_address="Zoë <zoe@acme.example>", subject="Ihre Rechnung für März — 12 €",
                           text_body="Grüße aus Köln\n", html_body="<p>Grüße aus Köln</p>",
                           reply_to="José <jose@cafe.example>"), mailer, policy=POLICY, now=NOW)
    [sent] = mailer.sent
    assert sent["From"].addresses[0].display_name == "José Núñez, via Café Verde"
    assert sent["From"].addresses[0].addr_spec == "no-reply@portal.localhost"
    assert str(sent["To"]) == "Zoë <zoe@acme.example>"
    assert str(sent["Reply-To"]) == "José <jose@cafe.example>"
    assert sent["Subject"] == "Ihre Rechnung für März — 12 €"
    assert sent.get_body(("plain",)).get_content() == "Grüße aus Köln\n"
    assert sent.get_body(("html",)).get_content().strip() == "<p>Grüße aus Köln</p>"
    assert sent.as_bytes().isascii()  # encoded for any SMTP server, no SMTPUTF8 needed
