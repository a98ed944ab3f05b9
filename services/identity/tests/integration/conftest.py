"""Real PostgreSQL and Redis for identity's integration tests (see ../conftest.py for the whole picture).

- One migrated throwaway database per session; every test starts with it empty (TRUNCATE).
- One Redis namespace per session (Flask-Limiter keeps the first key prefix it is given, and the
  app takes that prefix from the session namespace, so the namespace cannot change between
  apps); every key under it — sessions and rate-limit counters — is deleted after each test.
- The app is `create_app(Bootstrap(...))` with the cheap argon2 hasher, the operator token
  OPERATOR_TOKEN, the internal token secret INTERNAL_SECRET, and the real readiness checks.
- `world` seeds two companies through the service's own directory functions: company A with
  branches a1 and a2, company B with b1, their staff and contacts; the outbox is then emptied,
  so every outbox row a test sees was written by what the test did.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from portal_identity import SERVICE
from portal_identity.adapters.orm import StaffUser, metadata
from portal_identity.app import create_app
from portal_identity.bootstrap import Bootstrap
from portal_identity.entrypoints.limits import limiter
from portal_identity.service_layer import directory
from portal_shared.config import BusSettings, ServiceSettings
from portal_shared.db import Database
from portal_shared.identity_token import HEADER, sign_identity
from portal_testkit.pytest_plugin import ServiceUnderTest
from portal_shared.sessions import SessionStore
from portal_testkit.testing import require_reachable, throwaway_database, unique
from portal_shared.web.health import standard_checks

INTERNAL_SECRET = "identity-test-internal-secret-0123456789"
OPERATOR_TOKEN = "identity-test-operator-token"
CLIENT_IP = "203.0.113.7"
TABLES = ("outbox", "inbox", "api_keys", "password_resets", "invitation_batches", "invitations", "property_roles", "properties",
          "contacts", "staff_users", "branches")


# -- servers --------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    """For the shared fixtures (`db`: TRUNCATE of TABLES before each test; `missing_database_url`) and
    the shared platform tests; the app, its clients and the database are identity's own, below."""
    return ServiceUnderTest(service=SERVICE, package="portal_identity", tables=TABLES, secret=INTERNAL_SECRET,
                            metadata=metadata, readiness_checks=("database", "broker", "redis"),
                            migrated_tables=TABLES)


@pytest.fixture(scope="session")
def infra():
    return require_reachable()


@pytest.fixture(scope="session")
def database_url(infra):
    with throwaway_database("portal_identity") as url:
        yield url


@pytest.fixture(scope="session")
def namespace(infra):
    name = unique("identitytest")
    yield name
    _delete_namespace(infra.redis_url, name)


def _delete_namespace(redis_url: str, name: str) -> None:
    client = SessionStore(redis_url, namespace=name).client
    keys = list(client.scan_iter(match=f"*{name}*", count=500))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def sessions(infra, namespace):
    """The real SessionStore on the test Redis; every key of the namespace is deleted afterwards."""
    store = SessionStore(infra.redis_url, namespace=namespace)
    yield store
    _delete_namespace(infra.redis_url, namespace)


def _wiring(infra, database_url: str, db: Database, passwords, sessions: SessionStore) -> Bootstrap:
    settings = ServiceSettings(service=SERVICE, database_url=database_url, bus=BusSettings(url=infra.amqp_url),
                               redis_url=infra.redis_url, internal_token_secret=INTERNAL_SECRET)
    return Bootstrap(settings=settings, db=db, passwords=passwords, sessions=sessions, operator_token=OPERATOR_TOKEN,
                     readiness_checks={**standard_checks(db, settings.bus), "redis": sessions.ping})


@pytest.fixture
def wiring(infra, database_url, db, cheap_passwords, sessions) -> Bootstrap:
    return _wiring(infra, database_url, db, cheap_passwords, sessions)


@pytest.fixture
def app(wiring, namespace):
    application = create_app(wiring)
    # Flask-Limiter keeps the first key prefix it was given; the per-test cleanup of rate-limit
    # counters relies on it lying under this run's namespace.
    assert limiter._key_prefix == f"{namespace}:identity-limits", limiter._key_prefix
    return application


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def client_for(infra, cheap_passwords, sessions):
    """A test client of the app wired to another database URL (e.g. one that does not exist)."""
    databases = []

    def build(database_url: str):
        databases.append(Database(database_url))
        return create_app(_wiring(infra, database_url, databases[-1], cheap_passwords, sessions)).test_client()

    yield build
    for database in databases:
        database.dispose()


# -- reading what the service wrote ---------------------------------------------------------

@pytest.fixture
def outbox(db):
    """Envelopes in the outbox (optionally of one type), oldest first."""

    def read(event_type: str | None = None) -> list[dict]:
        query = "SELECT payload FROM outbox" + (" WHERE event_type = :t" if event_type else "") + \
                " ORDER BY created_at, payload->>'occurred_at'"
        with db.engine.connect() as conn:
            payloads = conn.execute(sa.text(query), {"t": event_type}).scalars().all()
        return [p if isinstance(p, dict) else json.loads(p) for p in payloads]

    return read


@pytest.fixture
def rows(db):
    """Rows of a SQL query, as dicts."""

    def read(sql: str, **params) -> list[dict]:
        with db.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]

    return read


@pytest.fixture
def without_request_id():
    def strip(body: dict) -> dict:
        return {k: v for k, v in body.items() if k != "request_id"}

    return strip


# -- the two companies ----------------------------------------------------------------------

@dataclass
class Person:
    id: str
    email: str
    password: str | None
    first_name: str
    last_name: str
    external_id: str | None = None


@dataclass
class World:
    tenant_a: str
    tenant_b: str
    branches: dict[str, dict] = field(default_factory=dict)      # a1, a2, b1
    staff: dict[str, Person] = field(default_factory=dict)       # admin, manager, rep, admin_b
    contacts: dict[str, Person] = field(default_factory=dict)    # camilla, april, walt, dana, bob
    properties: dict[str, str] = field(default_factory=dict)     # external id -> property id

    def tenant_of(self, branch: str) -> str:
        return self.branches[branch]["tenant_id"]


BRANCHES = {  # key: (company, slug, name)
    "a1": ("A", "alpha-north", "North"),
    "a2": ("A", "alpha-south", "South"),
    "b1": ("B", "bravo-main", "Main"),
}
COMPANY_NAMES = {"A": "Alpha Landscaping", "B": "Bravo Gardens"}
STAFF = {  # key: (company, email, first, last, role, branches)
    "admin": ("A", "admin@alpha.example", "Alex", "Admin", "System Admin", ["a1", "a2"]),
    "manager": ("A", "manager@alpha.example", "Sam", "Ortiz", "Branch Manager", ["a1"]),
    "rep": ("A", "rep@alpha.example", "Morgan", "Reyes", "Sales Rep", ["a1"]),
    "admin_b": ("B", "admin@bravo.example", "Blair", "Boss", "System Admin", ["b1"]),
}
PROPERTIES = {  # external id: (company, branch, name)
    "oasis": ("A", "a1", "Camilla's Oasis"),
    "towers": ("A", "a1", "Tar Valon Towers"),
    "westport": ("A", "a2", "Westport Commons"),
    "yard": ("B", "b1", "Bravo Yard"),
}
CONTACTS = {  # key: (company, email, first, last, password (verified) or None, {property: roles})
    "camilla": ("A", "camilla@example.com", "Camilla", "Sailor", "camilla-secret-passphrase",
                {"oasis": ["Primary", "Billing"], "westport": ["Primary"]}),
    "april": ("A", "april@example.com", "April", "Malmba", "april-secret-passphrase", {"towers": ["Other"]}),
    "walt": ("A", "walt@example.com", "Walt", "West", "walt-secret-passphrase", {"westport": ["Billing"]}),
    "dana": ("A", "dana@example.com", "Dana", "Whitfield", None, {"towers": ["Primary"]}),
    "bob": ("B", "bob@bravo.example", "Bob", "Bravo", None, {"yard": ["Primary"]}),
}


@pytest.fixture
def world(db, cheap_passwords) -> World:
    tenants = {"A": str(uuid.uuid4()), "B": str(uuid.uuid4())}
    w = World(tenant_a=tenants["A"], tenant_b=tenants["B"])
    with db.unit_of_work() as session:
        for key, (company, slug, name) in BRANCHES.items():
            data = {"branch_id": str(uuid.uuid4()), "company_id": tenants[company], "slug": slug, "name": name,
                    "company_name": COMPANY_NAMES[company], "portal_url": f"http://{slug}.localhost:8080",
                    "enabled": True, "revision": 1}
            directory.apply_branch(session, data)
            w.branches[key] = {"id": data["branch_id"], "tenant_id": data["company_id"], "slug": slug,
                               "name": name, "company_name": data["company_name"], "portal_url": data["portal_url"]}
        for key, (company, email, first, last, role, branch_keys) in STAFF.items():
            password = f"{key}-staff-passphrase"
            staff = StaffUser(id=str(uuid.uuid4()), tenant_id=tenants[company], email=email, first_name=first,
                              last_name=last, role=role, password_hash=cheap_passwords.hash(password),
                              branch_ids=[w.branches[b]["id"] for b in branch_keys], active=True)
            session.add(staff)
            w.staff[key] = Person(staff.id, email, password, first, last)
        session.flush()
        for ext, (company, branch, name) in PROPERTIES.items():
            prop, _ = directory.upsert_property(session, tenant_id=tenants[company], external_id=ext,
                                                branch_slug=w.branches[branch]["slug"], name=name,
                                                street="1 Main St", city="St. Louis", state="Missouri", zip="63101")
            w.properties[ext] = prop.id
        for key, (company, email, first, last, password, roles) in CONTACTS.items():
            contact, _ = directory.upsert_contact(session, tenant_id=tenants[company], external_id=f"ext-{key}",
                                                  email=email, first_name=first, last_name=last)
            if password:
                contact.password_hash = cheap_passwords.hash(password)
                contact.verified_at = datetime.now(UTC)
            w.contacts[key] = Person(contact.id, email, password, first, last, external_id=f"ext-{key}")
        session.flush()
        for ext, (company, _branch, _name) in PROPERTIES.items():
            access = [{"contact_external_id": f"ext-{key}", "roles": roles[ext]}
                      for key, (c, _e, _f, _l, _p, roles) in CONTACTS.items() if ext in roles]
            directory.set_property_access(session, tenant_id=tenants[company], property_external_id=ext,
                                          access=access)
        session.execute(sa.text("DELETE FROM outbox"))
    return w


# -- requests as the gateway sends them -----------------------------------------------------

@pytest.fixture
def gateway_headers():
    """The X-Portal-Identity header signed with the app's internal secret, as the gateway sends it."""

    def make(**claims) -> dict[str, str]:
        return {HEADER: sign_identity({"kind": "request", "request_id": uuid.uuid4().hex, "client_ip": CLIENT_IP,
                                       **claims}, INTERNAL_SECRET)}

    return make


@pytest.fixture
def identity(world, gateway_headers):
    """Headers carrying the gateway's signed token for a branch of `world`; `account=(kind, id)` adds a
    signed-in account (as the gateway does when the portal_session cookie names a live session)."""

    def make(branch: str, *, account: tuple[str, str] | None = None, client_ip: str = CLIENT_IP,
             session_tenant_id: str | None = None, tenant_id: str | None = None) -> dict[str, str]:
        b = world.branches[branch]
        claims = {"tenant_id": tenant_id or b["tenant_id"], "branch_id": b["id"], "branch_slug": b["slug"],
                  "branch_name": b["name"], "company_name": b["company_name"], "time_zone": "America/Chicago",
                  "client_ip": client_ip}
        if account:
            claims.update(account_kind=account[0], account_id=account[1],
                          session_tenant_id=session_tenant_id or b["tenant_id"])
        return gateway_headers(**claims)

    return make


@pytest.fixture
def headers_of_session(identity, sessions):
    """The headers the gateway sends once the portal_session cookie names this live session."""

    def make(branch: str, session_id: str, *, client_ip: str = CLIENT_IP) -> dict[str, str]:
        live = sessions.get(session_id)
        assert live is not None, "the session is not live"
        claims = live.claims()
        return identity(branch, account=(claims["account_kind"], claims["account_id"]), client_ip=client_ip,
                        session_tenant_id=claims["session_tenant_id"])

    return make


@pytest.fixture
def customer_session(client, identity, headers_of_session):
    """Sign a customer in through the API; returns (session_id, headers of later requests)."""

    def sign_in(branch: str, email: str, password: str) -> tuple[str, dict[str, str]]:
        response = client.post("/customer/sessions", json={"email": email, "password": password},
                               headers=identity(branch))
        assert response.status_code == 201, response.get_json()
        session_id = response.get_json()["session_id"]
        return session_id, headers_of_session(branch, session_id)

    return sign_in


@pytest.fixture
def staff_session(client, identity, headers_of_session, world):
    """Sign a staff user of `world` in through the API; returns the headers of later requests."""

    def sign_in(branch: str, key: str) -> dict[str, str]:
        person = world.staff[key]
        response = client.post("/staff/sessions", json={"email": person.email, "password": person.password},
                               headers=identity(branch))
        assert response.status_code == 201, response.get_json()
        return headers_of_session(branch, response.get_json()["session_id"])

    return sign_in


@pytest.fixture
def bearer(wiring, gateway_headers):
    """The headers the gateway forwards for `Authorization: Bearer <key>` on the bare host (ADR 0012):
    it looks the key up where identity published it (the real Redis, through the same ApiKeyStore)
    and signs the company and scopes into the token, without the key. A key it does not find adds
    nothing here (the gateway itself answers 401 then: gateway/tests/integration/test_api_keys.py)."""

    def make(key: str) -> dict[str, str]:
        published = wiring.api_keys.lookup(key)
        return gateway_headers(**(published.claims() if published else {}))

    return make


@pytest.fixture
def operator() -> dict[str, str]:
    return {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
