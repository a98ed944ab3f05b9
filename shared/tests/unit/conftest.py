"""Unit tests of portal_shared: what is real and what is faked.

Real: marshmallow contracts and the envelope, PyJWT signing, the Flask app built by
`create_service_app` (driven through Flask's test client, with flask-smorest, the problem+json
handlers and the Prometheus registry of this process), and `BusSettings.from_env` reading the
environment (set per test with monkeypatch).
Faked: readiness checks are small functions that pass or raise; nothing connects to PostgreSQL,
RabbitMQ or Redis, so these tests need no servers.
"""
from __future__ import annotations

import uuid

import pytest

from portal_shared.logging import clear_ids


@pytest.fixture(autouse=True)
def _no_bound_ids():
    """Request/correlation ids live in contextvars; never let one test's ids leak into another."""
    clear_ids()
    yield
    clear_ids()


@pytest.fixture
def branch_data():
    """Data that satisfies the branch_created / branch_updated v1 contract; tests spoil one field."""
    slug = f"north-{uuid.uuid4().hex[:6]}"
    return {
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
