"""The webhook sender: a worker loop that delivers due deliveries, in order per (endpoint, resource).

Each round claims, with FOR UPDATE SKIP LOCKED, due pending deliveries of enabled endpoints that
are the *head* of their chain: no earlier pending delivery (by the event's `occurred_at`) for the
same endpoint and resource. So a later event about a resource waits until the earlier one is
delivered or given up, while other resources go ahead. The claimed requests are sent in
parallel (a thread pool; only HTTP happens there), then every outcome is written in the claiming
transaction: an attempt row, the delivery's state and the endpoint's. Delivery is at least once:
a crash after the receiver answered but before the commit sends again, with the same
`webhook-id`.

A 2xx answer delivers; anything else (an error status, a redirect, no answer, a refused address)
is a failed try, retried on the schedule. A success also makes the endpoint's other waiting
deliveries due now, so an endpoint that comes back gets its backlog at once, not at each
delivery's next backoff step. A delivery whose schedule is spent is given up; if nothing
succeeded on its endpoint since its first try, the endpoint is disabled and the company's
contact gets an email.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.exc
from cryptography.fernet import InvalidToken
from sqlalchemy.orm import Session, aliased
from standardwebhooks import Webhook

from portal_notifications.adapters.orm import CompanyContact, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal_notifications.adapters.templates import EmailRenderer
from portal_notifications.adapters.webhook_http import HttpTransport, SendResult
from portal_notifications.adapters.webhook_secrets import SecretBox
from portal_notifications.domain.emails import webhook_endpoint_disabled_email
from portal_notifications.domain.webhooks import (
    DELIVERED,
    DISABLED,
    ENABLED,
    FAILED,
    PENDING,
    RetrySchedule,
    UnsafeTarget,
    endpoint_failing_throughout,
    parse_target,
)
from portal_notifications.service_layer.outbound import queue_draft
from portal_shared.db import Database
from portal_shared.logging import get_logger

log = get_logger(__name__)


def sign(secret: str, *, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for one try (the timestamp is when it is sent)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=at, data=body),
    }


# How long a claimed delivery is the claiming sender's: far longer than a batch takes to send
# (50 rows over 8 threads at 3 s connect + 10 s read is under 90 s), so a live sender's rows are
# never claimed twice; a sender that died mid-batch has its rows sent again after it.
LEASE = timedelta(minutes=5)


@dataclass
class BatchResult:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0
    endpoints_disabled: int = 0


@dataclass(frozen=True)
class _Job:
    delivery_id: str
    send: Callable[[], SendResult]


def _text(value: str | None, limit: int = 500) -> str | None:
    """What a receiver answered, as PostgreSQL can keep it: no NUL (text refuses it), within the column."""
    return None if value is None else value.replace("\x00", "\ufffd")[:limit]


def _storable(outcome: SendResult) -> SendResult:
    # The receiver's bytes are the outside world's: one NUL would fail the whole batch's commit.
    return SendResult(outcome.status_code, outcome.latency_ms, _text(outcome.error), _text(outcome.excerpt))


def _run_job(job: _Job) -> SendResult:
    """One send; whatever goes wrong becomes this delivery's failed attempt, never the batch's."""
    try:
        return job.send()
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery and retried by its schedule
        log.exception("webhook_send_crashed", delivery_id=job.delivery_id)
        return SendResult(None, 0, f"error: {type(exc).__name__}: {exc}"[:500])


class WebhookSender:
    def __init__(self, db: Database, transport: HttpTransport, box: SecretBox, *, schedule: RetrySchedule,
                 mail_from: str, renderer: EmailRenderer, batch_size: int = 50, concurrency: int = 8,
                 poll_interval: float = 0.5, wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.db = db
        self.transport = transport
        self.box = box
        self.schedule = schedule
        self.mail_from = mail_from
        self.renderer = renderer
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.wall_clock = wall_clock
        self.concurrency = concurrency
        self.lease = LEASE
        self._pool = self._new_pool()

    def _new_pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="webhook-send")

    def run(self, stop: threading.Event) -> None:
        """Deliver until `stop` is set; a database outage only pauses the loop."""
        if self._pool._shutdown:  # the worker's guard restarts a crashed loop: give it threads again
            self._pool = self._new_pool()
        try:
            while not stop.is_set():
                try:
                    result = self.send_due()
                except sqlalchemy.exc.SQLAlchemyError as exc:
                    log.warning("webhook_sender_database_error", error=str(exc).splitlines()[0])
                    stop.wait(1.0)
                    continue
                if result.claimed < self.batch_size:
                    stop.wait(self.poll_interval)
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def send_due(self, now: datetime | None = None) -> BatchResult:
        """Claim one batch of due chain heads, send them in parallel, record every outcome.

        Three steps, and no transaction open while the receivers answer: claiming leases the rows
        (`leased_until`) and commits; sending happens outside the database; recording takes the rows
        again. `now` is the scheduling clock (tests move it forward); signatures always carry the
        wall-clock time of sending, which is what receivers check.
        """
        now = now or datetime.now(UTC)
        result = BatchResult()
        with self.db.unit_of_work() as session:
            claimed = self._claim(session, now)
            jobs = [self._job(delivery, endpoint) for delivery, endpoint in claimed]
            for delivery, _ in claimed:
                delivery.leased_until = now + self.lease
        result.claimed = len(jobs)
        if not jobs:
            return result
        outcomes = dict(zip([job.delivery_id for job in jobs], self._pool.map(_run_job, jobs), strict=True))
        with self.db.unit_of_work() as session:
            deliveries = session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.id.in_(outcomes))
                                         .order_by(WebhookDelivery.id).with_for_update()).all()
            succeeded: set[str] = set()
            to_disable: dict[str, WebhookDelivery] = {}
            for delivery in deliveries:
                delivery.leased_until = None
                if delivery.status != PENDING:
                    continue  # settled meanwhile (its endpoint deleted and recreated, an operator's fix)
                state = self._record(session, delivery, outcomes[delivery.id], now)
                if state == DELIVERED:
                    result.delivered += 1
                    succeeded.add(delivery.endpoint_id)
                elif state == FAILED:
                    result.given_up += 1
                    to_disable.setdefault(delivery.endpoint_id, delivery)
                else:
                    result.retrying += 1
            # Endpoint rows are updated in id order, so two senders never wait on each other in a cycle.
            for endpoint in session.scalars(sa.select(WebhookEndpoint)
                                            .where(WebhookEndpoint.id.in_(succeeded | set(to_disable)))
                                            .order_by(WebhookEndpoint.id).with_for_update()):
                if endpoint.id in succeeded:
                    endpoint.last_success_at = now
                    self._bring_forward(session, endpoint.id, now)
                elif endpoint.status == ENABLED and endpoint_failing_throughout(
                        last_success_at=endpoint.last_success_at,
                        first_attempt_at=to_disable[endpoint.id].first_attempt_at):
                    self._disable(session, endpoint, to_disable[endpoint.id], now)
                    result.endpoints_disabled += 1
        return result

    # -- claiming ------------------------------------------------------------------------------

    def _claim(self, session: Session, now: datetime) -> list[tuple[WebhookDelivery, WebhookEndpoint]]:
        earlier = aliased(WebhookDelivery)
        blocked_by_earlier = (
            sa.select(earlier.id)
            .where(earlier.endpoint_id == WebhookDelivery.endpoint_id,
                   earlier.resource_key == WebhookDelivery.resource_key,
                   earlier.status == PENDING,
                   sa.tuple_(earlier.occurred_at, earlier.created_at, earlier.id)
                   < sa.tuple_(WebhookDelivery.occurred_at, WebhookDelivery.created_at, WebhookDelivery.id))
            .exists()
        )
        query = (
            sa.select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now,
                   sa.or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= now),
                   WebhookEndpoint.status == ENABLED, ~blocked_by_earlier)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.occurred_at)
            .limit(self.batch_size)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        )
        return [(row[0], row[1]) for row in session.execute(query).all()]

    def _job(self, delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> _Job:
        """Everything the thread needs, read now (ORM objects stay in this thread)."""
        try:
            secret = self.box.open(endpoint.secret_encrypted)
        except InvalidToken:
            return _Job(delivery.id, lambda: SendResult(None, 0, "cannot read the signing secret "
                                                              "(was WEBHOOK_SECRETS_KEY changed?)"))
        try:
            target = parse_target(endpoint.url, dev_mode=self.transport.dev_mode)
        except UnsafeTarget as exc:
            refused = SendResult(None, 0, f"refused: url {exc}")  # `exc` is unbound after this block
            return _Job(delivery.id, lambda: refused)
        body, message_id = delivery.payload, delivery.event_id

        def send() -> SendResult:
            headers = sign(secret, message_id=message_id, body=body, at=self.wall_clock())
            return self.transport.post(target, body.encode(), headers)

        return _Job(delivery.id, send)

    # -- outcomes ------------------------------------------------------------------------------

    def _record(self, session: Session, delivery: WebhookDelivery, outcome: SendResult, now: datetime) -> str:
        outcome = _storable(outcome)
        session.add(WebhookAttempt(id=str(uuid.uuid4()), delivery_id=delivery.id, attempted_at=now,
                                   status_code=outcome.status_code, latency_ms=outcome.latency_ms,
                                   error=outcome.error, response_excerpt=outcome.excerpt))
        delivery.attempts += 1
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        delivery.last_latency_ms = outcome.latency_ms
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.status, delivery.delivered_at = DELIVERED, now
            log.info("webhook_delivered", delivery_id=delivery.id, event_id=delivery.event_id,
                     endpoint_id=delivery.endpoint_id, attempts=delivery.attempts, status_code=outcome.status_code)
            return DELIVERED
        next_at = self.schedule.next_attempt_at(delivery.attempts, now)
        if next_at is None:
            delivery.status = FAILED
            log.error("webhook_given_up", delivery_id=delivery.id, event_id=delivery.event_id,
                      endpoint_id=delivery.endpoint_id, attempts=delivery.attempts, error=outcome.error)
            return FAILED
        delivery.next_attempt_at = next_at
        log.warning("webhook_deferred", delivery_id=delivery.id, endpoint_id=delivery.endpoint_id,
                    attempts=delivery.attempts, next_attempt_at=next_at.isoformat(), error=outcome.error)
        return PENDING

    def _bring_forward(self, session: Session, endpoint_id: str, now: datetime) -> None:
        """The endpoint answers again: what waits for it is due now (rows another sender holds are skipped)."""
        waiting = (sa.select(WebhookDelivery.id)
                   .where(WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == PENDING,
                          WebhookDelivery.next_attempt_at > now,
                          sa.or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= now))
                   .with_for_update(skip_locked=True))
        session.execute(sa.update(WebhookDelivery).where(WebhookDelivery.id.in_(waiting.scalar_subquery()))
                        .values(next_attempt_at=now))

    def _disable(self, session: Session, endpoint: WebhookEndpoint, delivery: WebhookDelivery, now: datetime) -> None:
        hours = self.schedule.total.total_seconds() / 3600
        span = f"{hours:.1f} hours" if hours >= 1 else f"{self.schedule.total.total_seconds():.0f} seconds"
        endpoint.status, endpoint.disabled_at, endpoint.updated_at = DISABLED, now, now
        endpoint.disabled_reason = (f"Every delivery failed for {span} ({self.schedule.max_attempts} tries); "
                                    f"the last error was: {delivery.last_error or 'unknown'}")[:500]
        log.error("webhook_endpoint_disabled", endpoint_id=endpoint.id, tenant_id=endpoint.tenant_id,
                  reason=endpoint.disabled_reason)
        contact = session.get(CompanyContact, endpoint.tenant_id)
        if contact is None or not contact.contact_email:
            log.warning("webhook_disabled_no_contact_address", endpoint_id=endpoint.id, tenant_id=endpoint.tenant_id)
            return
        draft = webhook_endpoint_disabled_email(
            to_address=contact.contact_email, company_name=contact.company_name or "your company",
            endpoint_url=endpoint.url, reason=endpoint.disabled_reason, failing_since=delivery.first_attempt_at)
        # One email per disabling: its id is derived from the endpoint and the moment.
        event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"webhook-disabled:{endpoint.id}:{now.isoformat()}"))
        queue_draft(session, draft, tenant_id=endpoint.tenant_id, branch_id=None, event_id=event_id,
                    mail_from=self.mail_from, renderer=self.renderer)


