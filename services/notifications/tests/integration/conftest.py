"""Real PostgreSQL, real SMTP (aiosmtpd) and real RabbitMQ for the integration tests.

See ../conftest.py for what is real; here is how each is provided and cleaned up.
"""
from __future__ import annotations

import socket
import time
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from portal_notifications.adapters.smtp import SmtpMailer, SmtpSettings
from portal_shared.config import BusSettings
from portal_shared.db import Database, drop_database
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
            session.execute(sa.text("TRUNCATE outbound_messages, inbox, outbox"))

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


class SmtpServer:
    """A real SMTP server (aiosmtpd) that keeps what it receives, and can be stopped and restarted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self.reply = "250 Message accepted for delivery"  # set e.g. "550 ..." to refuse mail
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        if not self.reply.startswith("250"):
            return self.reply
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return self.reply

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
