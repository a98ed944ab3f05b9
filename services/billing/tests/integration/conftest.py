"""Fixtures of billing's customer-facing tests (see ../conftest.py for what is real: everything).

- `db`: the module's migrated throwaway database, emptied before each test;
- `app_client`: the real app built from env-free settings naming that database, the real broker
  and the internal token secret SECRET;
- `grant`: applies a property_access_changed event with the real handler, as the billing.access
  consumer does;
- `customer_headers` / `headers`: the gateway's signed identity token for a signed-in customer
  (or any claims).
"""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from portal_billing import SERVICE
from portal_billing.app import create_app
from portal_shared.access import apply_property_access
from portal_shared.config import BusSettings, ServiceSettings
from portal_shared.db import Database
from portal_shared.events import make_event
from portal_shared.identity_token import HEADER, sign_identity
from portal_shared.testing import require_reachable

SECRET = "billing-test-internal-secret-0123456789"
TABLES = ("invoices", "property_access", "property_access_revisions", "inbox", "outbox")


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    with database.unit_of_work() as session:
        session.execute(sa.text(f"TRUNCATE {', '.join(TABLES)}"))
    yield database
    database.dispose()


@pytest.fixture
def app_client(db):
    settings = ServiceSettings(service=SERVICE, database_url=db.url, bus=BusSettings(url=require_reachable().amqp_url),
                               internal_token_secret=SECRET)
    app = create_app(settings)
    yield app.test_client()
    app.extensions["portal_db"].dispose()


@pytest.fixture
def grant(db):
    """grant(tenant, branch, property, {contact: [roles]}, revision=1): the access list identity published."""

    def apply(tenant_id: str, branch_id: str, property_id: str, access: dict[str, list[str]], revision: int = 1):
        event = make_event("property_access_changed", {
            "property_id": property_id, "branch_id": branch_id, "revision": revision,
            "access": [{"contact_id": c, "roles": r} for c, r in access.items()],
        }, tenant_id=tenant_id, branch_id=branch_id)
        with db.unit_of_work() as session:
            return apply_property_access(session, event)

    return apply


@pytest.fixture
def headers():
    def make(secret: str = SECRET, **claims) -> dict[str, str]:
        return {HEADER: sign_identity({"kind": "request", "request_id": uuid.uuid4().hex, **claims}, secret)}

    return make


@pytest.fixture
def customer_headers(headers):
    def make(tenant_id: str, branch_id: str, contact_id: str) -> dict[str, str]:
        return headers(tenant_id=tenant_id, branch_id=branch_id, account_kind="customer", account_id=contact_id,
                       session_tenant_id=tenant_id)

    return make
