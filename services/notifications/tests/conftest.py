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
  namespace `test-notif-<random>`, whose queues and exchanges are deleted at the end.
If PostgreSQL or RabbitMQ cannot be reached the tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import uuid

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
