"""Real PostgreSQL for portal-config's integration tests (see ../conftest.py for the whole picture).

One migrated throwaway database per session; every test starts with it empty. The app under
test is the real factory wired with a `Bootstrap` built here, so the tests choose the operator
token, the portal address, the internal token secret and the image storage (a LocalDiskStorage
in the test's own temporary directory). Staff enter the read model the way the worker puts them
there: a `staff_upserted` event handed to the real handler.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from portal_config import SERVICE
from portal_config.app import create_app
from portal_config.adapters.storage import LocalDiskStorage
from portal_config.bootstrap import Bootstrap
from portal_config.service_layer.branches import PortalAddress
from portal_config.service_layer.staff import apply_staff_upserted
from portal_shared.config import ServiceSettings
from portal_shared.db import Database
from portal_shared.events import make_event
from portal_shared.identity_token import HEADER, sign_identity
from portal_testkit.testing import throwaway_database

OPERATOR_TOKEN = "test-operator-token"
INTERNAL_SECRET = "portal-config-test-internal-secret-0123456789"


@pytest.fixture(scope="session")
def database_url():
    with throwaway_database("portal_config") as url:
        yield url


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    with database.unit_of_work() as session:
        session.execute(sa.text("TRUNCATE outbox, inbox, staff, assets, portal_settings_versions, portal_settings, "
                                "branches, companies"))
    yield database
    database.dispose()


@pytest.fixture
def storage(tmp_path) -> LocalDiskStorage:
    return LocalDiskStorage(tmp_path / "storage")


@pytest.fixture
def wiring(db, database_url, storage) -> Bootstrap:
    settings = ServiceSettings(service=SERVICE, database_url=database_url, internal_token_secret=INTERNAL_SECRET)
    return Bootstrap(settings=settings, db=db, address=PortalAddress(base_domain="localhost:8080", scheme="http"),
                     operator_token=OPERATOR_TOKEN, readiness_checks={}, storage=storage)


@pytest.fixture
def client(wiring):
    return create_app(wiring).test_client()


@pytest.fixture
def operator() -> dict[str, str]:
    """Headers of the bootstrap operator."""
    return {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


@pytest.fixture
def identity_header():
    """The X-Portal-Identity header as the gateway would send it (signed with the app's secret by default)."""

    def make(claims: dict, secret: str = INTERNAL_SECRET) -> dict[str, str]:
        return {HEADER: sign_identity(claims, secret)}

    return make


@pytest.fixture
def rows(db):
    """Every row of a table, as dicts, in a stable order."""

    def read(table: str, order_by: str = "created_at, id") -> list[dict]:
        with db.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY {order_by}")).mappings()]

    return read


@pytest.fixture
def company(client, operator):
    """Create a company through the API and return its JSON."""

    def make(name: str = "Green Acres Landscaping", contact_email: str | None = "owner@greenacres.example") -> dict:
        response = client.post("/companies", json={"name": name, "contact_email": contact_email}, headers=operator)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def branch(client, operator):
    """Create a branch of a company through the API and return its JSON."""

    def make(company_id: str, slug: str = "north", name: str = "North Branch",
             time_zone: str = "America/Chicago", headers: dict | None = None) -> dict:
        response = client.post(f"/companies/{company_id}/branches", headers={**operator, **(headers or {})},
                               json={"slug": slug, "name": name, "time_zone": time_zone})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def staff_member(db):
    """Put a staff user in the read model through the real `staff_upserted` handler; returns their id."""

    def make(tenant_id: str, branch_ids: list[str], *, permissions: tuple[str, ...] = ("manage_portal_settings",),
             active: bool = True, staff_id: str | None = None, first_name: str = "Alex",
             last_name: str = "Admin", role: str = "System Admin") -> str:
        staff_id = staff_id or str(uuid.uuid4())
        event = make_event("staff_upserted", {
            "staff_id": staff_id, "email": f"{staff_id[:8]}@staff.example", "first_name": first_name,
            "last_name": last_name, "title": None, "phone": None, "role": role, "permissions": list(permissions),
            "branch_ids": list(branch_ids), "active": active,
        }, tenant_id=tenant_id)
        with db.unit_of_work() as session:
            apply_staff_upserted(session, event)
        return staff_id

    return make


@pytest.fixture
def staff_headers(identity_header):
    """Headers of a request from a signed-in staff session, as the gateway signs them."""

    def make(tenant_id: str, branch_id: str, staff_id: str, *, session_tenant_id: str | None = None) -> dict:
        return identity_header({"kind": "request", "tenant_id": tenant_id, "branch_id": branch_id,
                                "account_kind": "staff", "account_id": staff_id,
                                "session_tenant_id": session_tenant_id or tenant_id})

    return make


@dataclass(frozen=True)
class Portal:
    tenant_id: str
    branch_id: str
    staff_id: str
    headers: dict


@pytest.fixture
def portal(company, branch, staff_member, staff_headers):
    """A company with a branch and a staff member allowed to manage its settings (signed in there)."""

    def make(company_name: str = "Green Acres Landscaping", slug: str = "north", **staff) -> Portal:
        tenant_id = company(name=company_name)["id"]
        branch_id = branch(tenant_id, slug=slug)["branch_id"]
        staff_id = staff_member(tenant_id, [branch_id], **staff)
        return Portal(tenant_id, branch_id, staff_id, staff_headers(tenant_id, branch_id, staff_id))

    return make
