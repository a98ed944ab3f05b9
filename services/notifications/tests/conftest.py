"""Tests of the notifications service: what is real and what is faked.

unit/ does no I/O. Templates are rendered by the real Jinja2 renderer; the mail server is
`FakeMailer` (records messages, raises the failures it is given); outbound messages are
in-memory ORM objects that never touch a session; the app is built but never connects.

integration/ fakes nothing:
- PostgreSQL at POSTGRES_URL (default postgresql+psycopg://localhost:5432): a throwaway
  database per test session, `portal_test_notifications_<random>`, built by the service's own
  Alembic migrations and dropped at the end;
- SMTP: a real aiosmtpd server on a free local port, started and stopped by the tests (the
  outage cases stop it for real), so smtplib talks real SMTP;
- RabbitMQ at AMQP_URL (default amqp://guest:guest@localhost:5672/%2F) under a throwaway
  namespace `test-notif-<random>`, whose queues and exchanges are deleted at the end;
- webhooks: a real HTTP receiver (http.server in a thread) on a free local port, stopped and
  started for outages; signatures are checked with the real `standardwebhooks` package. Time in
  the sender is its `now` argument, so a day of backoff passes in a moment. Only DNS is faked,
  where a test needs a name to resolve to a chosen address (a resolver function is injected).
If PostgreSQL or RabbitMQ cannot be reached the tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from portal_shared.events import Envelope, make_event


@pytest.fixture
def make_branch_created():
    """Build a valid branch_created envelope (checked against the shared contract); override any data field."""

    def make(**overrides) -> Envelope:
        slug = f"north-{uuid.uuid4().hex[:6]}"
        data = {
            "branch_id": str(uuid.uuid4()),
            "company_id": str(uuid.uuid4()),
            "company_name": "Green Acres Landscaping",
            "company_contact_email": "owner@greenacres.example",
            "slug": slug,
            "name": "North Branch",
            "enabled": True,
            "time_zone": "America/Chicago",
            "portal_url": f"http://{slug}.localhost:8080",
            "revision": 1,
        }
        data.update(overrides)
        return make_event("branch_created", data, tenant_id=data["company_id"], branch_id=data["branch_id"])

    return make


INVITATION_BODY = (
    "Hello Jane Doe,\n"
    "\n"
    "Demo Landscaping invites you to its customer portal, where you can pay invoices and send requests.\n"
    "\n"
    "Set up your account here: {link}\n"
    "\n"
    "Thanks,\n"
    "Alex Admin\n"
)


@pytest.fixture
def make_invitation_created():
    """A valid invitation_created envelope as identity publishes it (tokens already filled in)."""

    def make(**overrides) -> Envelope:
        tenant_id, branch_id = str(uuid.uuid4()), str(uuid.uuid4())
        link = f"http://demo.localhost:8080/invitations/{uuid.uuid4().hex}"
        data = {
            "invitation_id": str(uuid.uuid4()),
            "contact_id": str(uuid.uuid4()),
            "to_email": "jane@customer.example",
            "to_name": "Jane Doe",
            "subject": "Your Demo Landscaping customer portal",
            "body_text": INVITATION_BODY.format(link=link),
            "link": link,
            "link_description": "Open your customer portal",
            "sender": {"name": "Alex Admin", "email": "alex@demo-landscaping.example"},
            "company_name": "Demo Landscaping",
            "expires_at": "2025-05-31T12:00:00+00:00",
        }
        data.update(overrides)
        data["expires_at"] = _moment(data["expires_at"])
        return make_event("invitation_created", data, tenant_id=tenant_id, branch_id=branch_id)

    return make


@pytest.fixture
def make_password_reset_requested():
    """A valid password_reset_requested envelope whose link expires one hour after the event."""

    def make(**overrides) -> Envelope:
        data = {
            "contact_id": str(uuid.uuid4()),
            "to_email": "jane@customer.example",
            "to_name": "Jane Doe",
            "link": f"http://demo.localhost:8080/password-resets/{uuid.uuid4().hex}",
            "company_name": "Demo Landscaping",
            "expires_at": datetime.now(UTC) + timedelta(hours=1),
        }
        data.update(overrides)
        data["expires_at"] = _moment(data["expires_at"])
        event = make_event("password_reset_requested", data, tenant_id=uuid.uuid4(), branch_id=uuid.uuid4())
        # The link is issued when the event is built: one hour exactly, whatever the clock did in between.
        issued = data["expires_at"] - timedelta(hours=1)
        return dataclasses.replace(event, occurred_at=issued.isoformat())

    return make


@pytest.fixture
def make_password_changed():
    def make(**overrides) -> Envelope:
        data = {
            "contact_id": str(uuid.uuid4()),
            "to_email": "jane@customer.example",
            "to_name": "Jane Doe",
            "company_name": "Demo Landscaping",
            "portal_url": "http://demo.localhost:8080",
            "changed_at": "2025-05-01T14:30:00+00:00",
            "how": "changed",
        }
        data.update(overrides)
        data["changed_at"] = _moment(data["changed_at"])
        return make_event("password_changed", data, tenant_id=uuid.uuid4(), branch_id=uuid.uuid4())

    return make


def _moment(value) -> datetime:
    """Contracts dump datetimes: a producer passes datetime objects, as these fixtures do."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
