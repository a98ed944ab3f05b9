"""The mail sender: a worker loop that delivers queued messages and records each outcome.

Due rows are claimed in batches with FOR UPDATE SKIP LOCKED, so several threads and workers share
the queue and never send the same row at the same time. Outcomes commit at the end of the
batch, so delivery is at-least-once: a crash after the server accepted a message but before
the commit resends it, with the same Message-ID. While the mail server is unavailable the
loop backs off instead of trying every queued message against it. An idle loop waits for the
doorbell that queueing an email rings on commit (outbound.MAIL_QUEUED, in this process), or
for the poll interval, which finds what other processes queued and what comes due for a retry.
"""
from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy.orm import Session

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.adapters.smtp import AbstractMailer, MailerUnavailable, MailRejected, OutgoingEmail
from portal_notifications.domain.delivery import FAILED, QUEUED, SENT, RetryPolicy
from portal_notifications.service_layer.outbound import MAIL_QUEUED, Doorbell
from portal_shared.db import Database
from portal_shared.logging import get_logger

log = get_logger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    RETRY = "retry"              # rejected, will be tried again later
    FAILED = "failed"            # rejected too often: given up
    UNAVAILABLE = "unavailable"  # the server could not take mail: kept for later


def deliver(message: OutboundMessage, mailer: AbstractMailer, *, policy: RetryPolicy, now: datetime) -> Outcome:
    """Try one message once and record the result on it (the caller's session saves it)."""
    try:
        mailer.send(OutgoingEmail(
            id=message.id, event_id=message.event_id, from_address=message.from_address,
            to_address=message.to_address, reply_to=message.reply_to, subject=message.subject,
            text_body=message.text_body, html_body=message.html_body,
        ))
    except MailerUnavailable as exc:
        return _record_failure(message, exc, policy=policy, now=now, rejected=False)
    except MailRejected as exc:
        return _record_failure(message, exc, policy=policy, now=now, rejected=True)
    except Exception as exc:  # noqa: BLE001 - e.g. a row we cannot even build: count it, don't stall the queue
        log.exception("email_send_error", message_id=message.id)
        return _record_failure(message, exc, policy=policy, now=now, rejected=True)
    message.attempts += 1
    message.status = SENT
    message.sent_at = now
    message.last_error = None
    log.info("email_sent", message_id=message.id, event_id=message.event_id, attempts=message.attempts)
    return Outcome.SENT


def _record_failure(message: OutboundMessage, error: Exception, *, policy: RetryPolicy, now: datetime,
                    rejected: bool) -> Outcome:
    message.attempts += 1
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if policy.gives_up(message.attempts, rejected=rejected):
        message.status = FAILED
        log.error("email_failed", message_id=message.id, attempts=message.attempts, error=message.last_error)
        return Outcome.FAILED
    message.next_attempt_at = policy.next_attempt_at(message.attempts, now)
    log.warning("email_deferred", message_id=message.id, attempts=message.attempts,
                next_attempt_at=message.next_attempt_at.isoformat(), error=message.last_error)
    return Outcome.RETRY if rejected else Outcome.UNAVAILABLE


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    mailer_unavailable: bool = False


class MailSender:
    """`run` is one delivery loop; the worker runs `threads` of them on one sender (each thread keeps
    its own SMTP connection in the mailer)."""

    def __init__(self, db: Database, mailer: AbstractMailer, *, policy: RetryPolicy | None = None,
                 batch_size: int = 10, poll_interval: float = 0.5, max_outage_pause: float = 30.0,
                 threads: int = 1, doorbell: Doorbell = MAIL_QUEUED):
        self.db = db
        self.mailer = mailer
        self.policy = policy or RetryPolicy()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_outage_pause = max_outage_pause
        self.threads = threads
        self.doorbell = doorbell

    def loops(self) -> list[tuple[str, Callable[[threading.Event], None]]]:
        return [(f"mail-sender-{n + 1}", self.run) for n in range(self.threads)]

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set; database and mail server outages only pause the loop."""
        pause = self.poll_interval
        try:
            while not stop.is_set():
                rung = self.doorbell.rung()  # before looking: a ring while we look is not missed
                try:
                    result = self.send_due()
                except sqlalchemy.exc.SQLAlchemyError as exc:
                    log.warning("sender_database_error", error=str(exc).splitlines()[0])
                    stop.wait(1.0)
                    continue
                if result.mailer_unavailable:
                    pause = min(pause * 2, self.max_outage_pause)
                    stop.wait(pause)
                    continue
                pause = self.poll_interval
                if result.claimed == self.batch_size:
                    continue  # a full batch: more may be due right now
                if result.claimed == 0:
                    self.mailer.close_if_idle()
                self._wait_for_mail(stop, rung)
        finally:
            self.mailer.close()

    def _wait_for_mail(self, stop: threading.Event, rung: int) -> None:
        """Until the doorbell rings or the poll interval has passed; a second at most once `stop` is set."""
        deadline = time.monotonic() + self.poll_interval
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            if self.doorbell.wait(rung, timeout=min(left, 1.0)):
                return

    def send_due(self, now: datetime | None = None) -> BatchResult:
        """Claim one batch of due messages and try each once."""
        now = now or datetime.now(UTC)
        result = BatchResult()
        with self.db.unit_of_work() as session:
            messages = self._claim(session, now)
            result.claimed = len(messages)
            for message in messages:
                outcome = deliver(message, self.mailer, policy=self.policy, now=now)
                if outcome is Outcome.SENT:
                    result.sent += 1
                elif outcome is Outcome.FAILED:
                    result.failed += 1
                else:
                    result.retrying += 1
                if outcome is Outcome.UNAVAILABLE:
                    # The rest would fail the same way; left untouched, they go in a later round.
                    result.mailer_unavailable = True
                    break
        return result

    def _claim(self, session: Session, now: datetime) -> list[OutboundMessage]:
        query = (
            sa.select(OutboundMessage)
            .where(OutboundMessage.status == QUEUED, OutboundMessage.next_attempt_at <= now)
            .order_by(OutboundMessage.next_attempt_at, OutboundMessage.created_at)
            .limit(self.batch_size)
            .with_for_update(skip_locked=True)
        )
        return list(session.scalars(query))
