"""Real PostgreSQL, real SMTP (aiosmtpd), real RabbitMQ and a real webhook receiver for the integration tests.

See ../conftest.py for what is real; here is how each is provided and cleaned up.
"""
from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal_notifications import SERVICE
from portal_notifications.adapters.smtp import FakeMailer, SmtpMailer, SmtpSettings
from portal_notifications.bootstrap import Bootstrap, bootstrap
from portal_shared.config import DEV_INTERNAL_SECRET, BusSettings, ServiceSettings
from portal_shared.db import Database, drop_database
from portal_shared.events import Envelope, make_event
from portal_shared.identity_token import HEADER, sign_identity
from portal_shared.migrations import upgrade
from portal_testkit.testing import InfrastructureMissing, delete_bus_namespace, require_reachable


def _infra():
    """The servers from TEST_* (or testcontainers); fails with a clear message, never skips."""
    try:
        return require_reachable()
    except InfrastructureMissing as exc:
        pytest.fail(str(exc), pytrace=False)


# -- PostgreSQL ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server (no database name) that throwaway test databases are created on."""
    return _infra().postgres_url.rstrip("/")


@pytest.fixture(scope="session")
def database_url(postgres_url):
    """A fresh database migrated by the service's own migrations; dropped after the session."""
    url = f"{postgres_url}/portal_test_notifications_{uuid.uuid4().hex[:10]}"
    try:
        upgrade("portal_notifications", url)
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def db(database_url):
    """The service's Database on the test database, emptied before and after each test."""
    database = Database(database_url)

    def empty() -> None:
        with database.unit_of_work() as session:
            session.execute(sa.text("TRUNCATE outbound_messages, inbox, outbox, webhook_attempts, webhook_deliveries, "
                                     "webhook_endpoints, company_contacts"))

    empty()
    yield database
    empty()
    database.dispose()


# -- SMTP ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    peer: tuple  # the client's (address, port): one per SMTP connection


class SmtpServer:
    """A real SMTP server (aiosmtpd) that keeps what it receives, and can be stopped and restarted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.reply = "250 Message accepted for delivery"  # set e.g. "550 ..." to refuse mail
        self.replies: list[str] = []  # answers to the next messages, before `reply` again
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        reply = self.replies.pop(0) if self.replies else self.reply
        if not reply.startswith("250"):
            return reply
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, tuple(session.peer)))
        return reply

    def start(self) -> None:
        # A stopped Controller's event loop is closed, so every start builds a new one on the same port.
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailer(smtp_server) -> SmtpMailer:
    return SmtpMailer(SmtpSettings(host="127.0.0.1", port=smtp_server.port, timeout=5.0))


# -- RabbitMQ ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def bus_settings():
    """A namespace of our own on the real broker; its queues and exchanges are deleted afterwards."""
    settings = BusSettings(url=_infra().amqp_url, namespace=f"test-notif-{uuid.uuid4().hex[:8]}", heartbeat=10,
                           max_retries=2, retry_delays_ms=(200, 500))
    yield settings
    delete_bus_namespace(settings)


@pytest.fixture
def wait_until():
    """Poll a condition until it holds; fail with `what` when it does not within the timeout."""

    def wait(condition, *, what: str, timeout: float = 20.0, interval: float = 0.1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(interval)
        pytest.fail(f"timed out after {timeout}s waiting for {what}")

    return wait


# -- a webhook receiver ----------------------------------------------------------------------

@dataclass
class Arrival:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict:
        return json.loads(self.body)


class WebhookReceiver:
    """A real HTTP server (http.server, a thread) that records every POST and answers `status`.

    `stop()` closes the port, so sends are refused as by an endpoint that is down; `start()`
    listens again on the same port.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.status = 204
        self.reply = b"ok"  # the body of every answer
        # Optional: decide the answer per request (body → status), e.g. fail one resource only.
        self.answer = None
        self.arrivals: list[Arrival] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrival = Arrival(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                receiver.arrivals.append(arrival)
                status = receiver.answer(arrival) if receiver.answer else receiver.status
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/elsewhere")
                self.send_header("Content-Length", str(len(receiver.reply)))
                self.end_headers()
                self.wfile.write(receiver.reply)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver():
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


# -- webhooks: the app as wired for a test, API-key headers, events ---------------------------

WEBHOOKS_SCOPE = "webhooks:manage"


def _wire(database_url: str, bus_settings, *, dev_mode: bool = True, resolve=None) -> Bootstrap:
    settings = ServiceSettings(service=SERVICE, database_url=database_url, bus=bus_settings, dev_mode=dev_mode)
    if resolve is None:
        return bootstrap(settings, mailer=FakeMailer())
    return bootstrap(settings, mailer=FakeMailer(), resolve=resolve)


@pytest.fixture
def wire(database_url, bus_settings, db, monkeypatch):
    """wire(dev_mode=True, resolve=None): the service's Bootstrap on the test database (disposed afterwards).

    Outside dev mode the secrets key must be a real one, so one is set for the test."""
    built = []

    def make(**options) -> Bootstrap:
        if options.get("dev_mode") is False:
            monkeypatch.setenv("WEBHOOK_SECRETS_KEY", "test-webhook-secrets-key-" + uuid.uuid4().hex)
        built.append(_wire(database_url, bus_settings, **options))
        return built[-1]

    yield make
    for wiring in built:
        wiring.db.dispose()


def _api_key(tenant_id: str, *scopes: str) -> dict[str, str]:
    """What the gateway forwards for a company's API key (claims as portal_shared.web.auth reads them)."""
    claims = {"kind": "request", "request_id": uuid.uuid4().hex, "account_kind": "api_key", "tenant_id": tenant_id,
              "api_key_id": str(uuid.uuid4()), "scopes": list(scopes or (WEBHOOKS_SCOPE,))}
    return {HEADER: sign_identity(claims, DEV_INTERNAL_SECRET)}


@pytest.fixture
def api_key():
    return _api_key


def _at(event: Envelope, occurred_at: datetime | None) -> Envelope:
    return dataclasses.replace(event, occurred_at=occurred_at.isoformat()) if occurred_at else event


def _contact_upserted(tenant_id: str, contact_id: str | None = None, *, revision: int = 1,
                      occurred_at: datetime | None = None) -> Envelope:
    return _at(make_event("contact_upserted", {
        "contact_id": contact_id or str(uuid.uuid4()), "email": "jane@customer.example", "first_name": "Jane",
        "last_name": "Doe", "verified": False, "revision": revision}, tenant_id=tenant_id), occurred_at)


def _property_upserted(tenant_id: str, property_id: str | None = None, *, revision: int = 1,
                       occurred_at: datetime | None = None) -> Envelope:
    branch_id = str(uuid.uuid4())
    return _at(make_event("property_upserted", {
        "property_id": property_id or str(uuid.uuid4()), "branch_id": branch_id, "name": f"Property r{revision}",
        "street": None, "city": None, "state": None, "zip": None, "account_owner_id": None,
        "operations_manager_id": None, "sales_rep_id": None, "revision": revision},
        tenant_id=tenant_id, branch_id=branch_id), occurred_at)


@pytest.fixture
def events():
    """Valid back-office events (checked against the shared contracts), with a chosen occurred_at."""
    return SimpleNamespace(contact_upserted=_contact_upserted, property_upserted=_property_upserted)
