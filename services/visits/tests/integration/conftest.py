"""What visits's own tests add to the testkit's fixtures: the back office's API key (as the gateway vouches
for it), identity's directory events applied by visits's real handlers, the gateway's token for a
customer of a branch (with the branch's time zone) and for a calendar app (no session). The rate limit
of feed misses counts in the test Redis."""
from __future__ import annotations

import dataclasses
import os
import uuid

import pytest

from portal_shared.events import make_event
from portal_testkit.pytest_plugin import BRANCH, OTHER_BRANCH, OTHER_TENANT, OTHER_TENANT_BRANCH, TENANT
from portal_visits.service_layer.directory import DIRECTORY_HANDLERS

os.environ.setdefault("REDIS_URL", os.environ.get("TEST_REDIS_URL", "redis://localhost:6379/15"))

ZONE = "America/Chicago"
REP = str(uuid.uuid4())


@pytest.fixture
def back_office(headers):
    """back_office(tenant, scopes=("visits:write",)): the gateway's token for a company's API key."""
    def make(tenant_id: str = TENANT, scopes=("visits:write",)) -> dict[str, str]:
        return headers(account_kind="api_key", tenant_id=tenant_id, api_key_id="key-1", scopes=list(scopes))
    return make


@pytest.fixture
def as_customer(headers):
    """as_customer(contact, branch=BRANCH, tenant=TENANT): a signed-in customer on that branch's portal."""
    def make(contact_id: str, branch_id: str = BRANCH, tenant_id: str = TENANT) -> dict[str, str]:
        return headers(tenant_id=tenant_id, branch_id=branch_id, account_kind="customer", account_id=contact_id,
                       session_tenant_id=tenant_id, time_zone=ZONE, company_name="Demo Landscaping",
                       client_ip="203.0.113.7")
    return make


@pytest.fixture
def calendar_app(headers):
    """calendar_app(branch=BRANCH, tenant=TENANT, ip=...): a request on the branch's address with no session."""
    def make(branch_id: str = BRANCH, tenant_id: str = TENANT, ip: str | None = None) -> dict[str, str]:
        return headers(tenant_id=tenant_id, branch_id=branch_id, time_zone=ZONE, company_name="Demo Landscaping",
                       client_ip=ip or f"198.51.100.{uuid.uuid4().int % 250}")
    return make


@pytest.fixture
def directory(db):
    """property(tenant, branch, id, external_id, **fields) / staff(tenant, id, **fields): identity's events,
    applied by the visits.directory consumer's handlers."""
    class Directory:
        @staticmethod
        def property(tenant_id, branch_id, property_id, external_id, revision=1, **fields):
            data = {"property_id": property_id, "branch_id": branch_id, "name": f"Property {external_id}",
                    "street": "112 Clark St", "city": "St. Louis", "state": "Missouri", "zip": "63101",
                    "account_owner_id": None, "operations_manager_id": None, "sales_rep_id": REP,
                    "revision": revision, "external_id": external_id, **fields}
            with db.unit_of_work() as session:
                return DIRECTORY_HANDLERS["property_upserted"](session, make_event(
                    "property_upserted", data, tenant_id=tenant_id, branch_id=branch_id))

        @staticmethod
        def staff(tenant_id, staff_id, occurred_at=None, **fields):
            data = {"staff_id": staff_id, "email": "rep@example.com", "first_name": "Morgan", "last_name": "Reyes",
                    "title": "Sales Representative", "phone": "(314) 555-0142", "role": "Sales Rep",
                    "permissions": [], "branch_ids": [BRANCH], "active": True, **fields}
            event = make_event("staff_upserted", data, tenant_id=tenant_id)
            if occurred_at:
                event = dataclasses.replace(event, occurred_at=occurred_at)
            with db.unit_of_work() as session:
                return DIRECTORY_HANDLERS["staff_upserted"](session, event)

    return Directory()


@pytest.fixture
def known(world, directory):
    """`world`'s properties in visits's directory (external ids "p1".."p5"), each with REP as sales rep."""
    w = world
    for key, tenant, branch in (("p1", TENANT, BRANCH), ("p2", TENANT, BRANCH), ("p3", TENANT, BRANCH),
                                ("p4", TENANT, OTHER_BRANCH), ("p5", OTHER_TENANT, OTHER_TENANT_BRANCH)):
        directory.property(tenant, branch, w[key], key)
    directory.staff(TENANT, REP)
    return w
