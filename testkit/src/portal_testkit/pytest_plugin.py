"""pytest plugin: the fixtures the services' tests share (registered in the root conftest.py).

A service's tests/conftest.py defines one fixture, `service_under_test` (session scope), returning a
`ServiceUnderTest`: the service's name, package, app factory, CLI, tables and internal token secret.
Everything below is built from it; a conftest fixture of the same name still overrides any of them.
Nothing is imported from a service or connected to until a fixture runs, and nothing is faked: the
servers are the real ones of `portal_testkit.testing` (TEST_POSTGRES_URL, TEST_AMQP_URL); if one
cannot be reached the tests FAIL saying which, they never skip.

- `database_url`: the module's throwaway database, created and migrated by the service's own
  Alembic migrations (`portal_testkit.testing.throwaway_database`), dropped afterwards;
  `missing_database_url` names a database that is never created;
- `client_for(url)` / `client`: a test client of the real app built with DATABASE_URL=<url> and
  AMQP_URL=<the real broker> (which only its /readyz check connects to);
- `db`: the module's database, emptied (TRUNCATE of the service's tables) before each test;
- `app_client`: the real app built from env-free settings naming `db`, the real broker and the
  service's internal token secret;
- `grant`: applies a property_access_changed event with the real handler, as the <service>.access
  consumer does;
- `headers` / `customer_headers`: the gateway's signed identity token for any claims (or for a
  signed-in customer);
- `migrated`: settings as `portal-<service>` reads them from the environment, after
  `portal-<service> migrate` ran on a new database and a throwaway bus namespace (both deleted
  afterwards);
- `world` (with TENANT, BRANCH, ... and the `summary` / `assert_unauthenticated` helpers): the
  access lists the customer-summary tests count over.

Tests every service runs the same way live in `portal_testkit.service_tests`; those every feature
service (portal_shared.kit) runs, in `portal_testkit.feature_service_tests.FeatureServiceTests`.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from portal_shared.config import BusSettings, ServiceSettings
from portal_shared.db import Database, drop_database
from portal_shared.events import make_event
from portal_shared.identity_token import HEADER, sign_identity
from portal_testkit.testing import bus_settings, delete_bus_namespace, require_reachable, throwaway_database, unique

# The shared test functions are imported into the services' test modules: rewrite their asserts as
# pytest does for test modules, so a failure reads the same.
pytest.register_assert_rewrite("portal_testkit.service_tests")


@dataclass(frozen=True, kw_only=True)
class ServiceUnderTest:
    """What the shared fixtures and tests need to know of one service."""

    service: str                                # "billing": settings, health, metrics, queue names
    package: str                                # "portal_billing": its Alembic migrations
    tables: tuple[str, ...]                     # emptied before each test by `db`
    secret: str                                 # the internal token secret `app_client` and `headers` use
    metadata: sa.MetaData                       # its models, compared with what the migrations built
    create_app: Callable[[ServiceSettings], Any] | None = None
    cli_main: Callable[[list[str]], int] | None = None
    cli_loops: Callable[[ServiceSettings], list] | None = None
    cli_consumers: Callable[[ServiceSettings], list] | None = None
    readiness_checks: tuple[str, ...] = ("database", "broker")
    migrated_tables: tuple[str, ...] = ("outbox", "inbox")
    feature: Any = None                         # the portal_shared.kit.FeatureService, for a feature service

    @classmethod
    def of_feature(cls, feature, **overrides) -> "ServiceUnderTest":
        """A feature service as the kit builds it: every table of its models is emptied before each test."""
        values = dict(
            service=feature.name, package=feature.package, metadata=feature.metadata, feature=feature,
            create_app=feature.create_app, cli_main=feature.cli, cli_loops=feature.worker_loops,
            cli_consumers=feature.bus_consumers, tables=tuple(sorted(feature.metadata.tables)),
            secret=f"{feature.name}-test-internal-secret-0123456789",
        )
        return cls(**{**values, **overrides})


@dataclass(frozen=True)
class SummaryRow:
    """A row that /summary counts (SQL with :id, :t tenant and :p property) and the figures it then answers."""

    insert_sql: str
    figures: dict[str, Any]


# -- the app on a throwaway database ----------------------------------------------------------

@pytest.fixture(scope="module")
def database_url(service_under_test):
    with throwaway_database(service_under_test.package) as url:
        yield url


@pytest.fixture
def client_for(service_under_test):
    """A test client of the app built with DATABASE_URL=<url> and AMQP_URL=<the real broker>."""
    apps = []

    def build(database_url: str):
        settings = ServiceSettings(service=service_under_test.service, database_url=database_url,
                                   bus=BusSettings(url=require_reachable().amqp_url))
        apps.append(service_under_test.create_app(settings))
        return apps[-1].test_client()

    yield build
    for app in apps:
        app.extensions["portal_db"].dispose()


@pytest.fixture
def client(client_for, database_url):
    return client_for(database_url)


@pytest.fixture
def missing_database_url() -> str:
    return f"{require_reachable().postgres_url.rstrip('/')}/{unique('portaltest_missing')}"


@pytest.fixture
def db(database_url, service_under_test):
    database = Database(database_url)
    with database.unit_of_work() as session:
        session.execute(sa.text(f"TRUNCATE {', '.join(service_under_test.tables)}"))
    yield database
    database.dispose()


@pytest.fixture
def app_client(db, service_under_test):
    settings = ServiceSettings(service=service_under_test.service, database_url=db.url,
                               bus=BusSettings(url=require_reachable().amqp_url),
                               internal_token_secret=service_under_test.secret)
    app = service_under_test.create_app(settings)
    yield app.test_client()
    app.extensions["portal_db"].dispose()


# -- what identity and the gateway send -------------------------------------------------------

@pytest.fixture
def grant(db):
    """grant(tenant, branch, property, {contact: [roles]}, revision=1, permissions={contact: [...]}): the
    access list identity published; the permissions default to what identity's own rule grants the roles."""
    from portal_identity.domain.property_roles import permissions_for
    from portal_shared.access.consumer import apply_property_access

    def apply(tenant_id: str, branch_id: str, property_id: str, access: dict[str, list[str]], revision: int = 1,
              permissions: dict[str, list[str]] | None = None):
        def granted(contact: str, roles: list[str]) -> list[str]:
            if permissions is not None:
                return permissions.get(contact, [])
            return permissions_for(roles)

        event = make_event("property_access_changed", {
            "property_id": property_id, "branch_id": branch_id, "revision": revision,
            "access": [{"contact_id": c, "roles": r, "permissions": granted(c, r)} for c, r in access.items()],
        }, tenant_id=tenant_id, branch_id=branch_id)
        with db.unit_of_work() as session:
            return apply_property_access(session, event)

    return apply


@pytest.fixture
def headers(service_under_test):
    def make(secret: str = service_under_test.secret, **claims) -> dict[str, str]:
        return {HEADER: sign_identity({"kind": "request", "request_id": uuid.uuid4().hex, **claims}, secret)}

    return make


@pytest.fixture
def customer_headers(headers):
    def make(tenant_id: str, branch_id: str, contact_id: str) -> dict[str, str]:
        return headers(tenant_id=tenant_id, branch_id=branch_id, account_kind="customer", account_id=contact_id,
                       session_tenant_id=tenant_id)

    return make


# -- the service's CLI, as deployed -----------------------------------------------------------

RETRY_DELAYS = (200, 400)


@pytest.fixture
def migrated(monkeypatch, service_under_test):
    """Settings as `portal-<service>` reads them from the environment: a new database, a throwaway namespace."""
    service = service_under_test.service
    url = f"{require_reachable().postgres_url.rstrip('/')}/{unique(f'portaltest_{service}_cli')}"
    bus = bus_settings(retry_delays_ms=RETRY_DELAYS)
    for name, value in {"DATABASE_URL": url, "AMQP_URL": bus.url, "BUS_NAMESPACE": bus.namespace,
                        "BUS_RETRY_DELAYS_MS": ",".join(map(str, RETRY_DELAYS))}.items():
        monkeypatch.setenv(name, value)
    try:
        assert service_under_test.cli_main(["migrate"]) == 0
        yield ServiceSettings.from_env(service)
    finally:
        delete_bus_namespace(bus)
        drop_database(url)


# -- the customer-summary tests' world --------------------------------------------------------

def new_id() -> str:
    return str(uuid.uuid4())


TENANT, BRANCH, OTHER_BRANCH, OTHER_TENANT, OTHER_TENANT_BRANCH = (new_id() for _ in range(5))


@pytest.fixture
def world(grant):
    """ME sees P1 and P2 in BRANCH; OTHER (same tenant) sees P3; ME also sees P4, but in OTHER_BRANCH;
    P5 belongs to OTHER_TENANT (ME's contact id is listed there too, and must not matter)."""
    me, other = new_id(), new_id()
    p1, p2, p3, p4, p5 = (new_id() for _ in range(5))
    grant(TENANT, BRANCH, p1, {me: ["Primary"], other: ["Other"]})
    grant(TENANT, BRANCH, p2, {me: ["Billing"]})
    grant(TENANT, BRANCH, p3, {other: ["Primary"]})
    grant(TENANT, OTHER_BRANCH, p4, {me: ["Primary"]})
    grant(OTHER_TENANT, OTHER_TENANT_BRANCH, p5, {me: ["Primary"]})
    return {"me": me, "other": other, "p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5}


def summary(client, headers, *property_ids):
    return client.get("/summary", query_string=[("property_id", p) for p in property_ids], headers=headers)


def assert_problem(response, status: int, code: str | None = None) -> dict:
    """The response is an RFC 9457 problem of this status (and code); returns its body."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    if code:
        assert body["code"] == code
    return body


def assert_unauthenticated(response):
    assert response.status_code == 401, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "unauthenticated"
