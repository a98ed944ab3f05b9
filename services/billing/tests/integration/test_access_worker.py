"""`portal-billing migrate` declares the billing.access queue, and the worker's consumer keeps
property_access current from identity's property_access_changed events (real broker, real database)."""
from __future__ import annotations

import json
import threading
import uuid

import pytest
import sqlalchemy as sa

from portal_billing import SERVICE
from portal_billing.app import create_app
from portal_billing.cli import consumers, loops, main
from portal_shared.bus.connection import connect
from portal_shared.bus.relay import message_properties
from portal_shared.bus.topology import Names, delete_namespace
from portal_shared.bus.worker import start_loops
from portal_shared.config import ServiceSettings
from portal_shared.db import Database, drop_database
from portal_shared.events import make_event
from portal_shared.identity_token import HEADER, sign_identity
from portal_shared.testing import bus_settings, queue_depth, require_reachable, unique, wait_for

RETRY_DELAYS = (200, 400)


@pytest.fixture
def migrated(monkeypatch):
    """Settings as `portal-billing` reads them from the environment: a new database, a throwaway namespace."""
    url = f"{require_reachable().postgres_url.rstrip('/')}/{unique('portaltest_billing_cli')}"
    bus = bus_settings(retry_delays_ms=RETRY_DELAYS)
    for name, value in {"DATABASE_URL": url, "AMQP_URL": bus.url, "BUS_NAMESPACE": bus.namespace,
                        "BUS_RETRY_DELAYS_MS": ",".join(map(str, RETRY_DELAYS))}.items():
        monkeypatch.setenv(name, value)
    try:
        assert main(["migrate"]) == 0
        yield ServiceSettings.from_env(SERVICE)
    finally:
        connection = connect(bus)
        try:
            delete_namespace(connection.channel, Names(bus.namespace), [f"{SERVICE}.access"], RETRY_DELAYS)
        finally:
            connection.close()
        drop_database(url)


def publish(settings, event) -> None:
    """As identity's relay does: to the events exchange, mandatory, with confirms."""
    connection = connect(settings.bus)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        payload = event.to_dict()
        channel.basic_publish(Names(settings.bus.namespace).events_exchange, routing_key=event.type,
                              body=json.dumps(payload).encode(), properties=message_properties(payload),
                              mandatory=True)
    finally:
        connection.close()


def test_the_cli_names_the_billing_access_consumer_for_property_access_changed(migrated):
    [consumer] = consumers(migrated)
    assert consumer.name == "billing.access" and list(consumer.handlers) == ["property_access_changed"]
    assert [name for name, _loop in loops(migrated)] == ["outbox-relay", "consumer:access"]


def test_migrate_declares_the_access_queue_and_the_worker_applies_what_reaches_it(migrated):
    tenant, branch, me, prop = (str(uuid.uuid4()) for _ in range(4))
    event = make_event("property_access_changed", {
        "property_id": prop, "branch_id": branch, "revision": 1, "access": [{"contact_id": me, "roles": ["Billing"]}],
    }, tenant_id=tenant, branch_id=branch)
    publish(migrated, event)  # before any worker ran: the queue `migrate` declared keeps it
    queue = Names(migrated.bus.namespace).queue("billing.access")
    assert queue_depth(migrated.bus, queue) == 1

    db = Database(migrated.database_url)
    with db.unit_of_work() as session:
        session.execute(sa.text(
            "INSERT INTO invoices (id, tenant_id, property_id, number, total_cents, paid_cents, status) "
            "VALUES (:id, :t, :p, 'INV-1', 12345, 45, 'Open')"), {"id": str(uuid.uuid4()), "t": tenant, "p": prop})
    stop = threading.Event()
    threads = start_loops(loops(migrated), stop)
    try:
        wait_for(lambda: queue_depth(migrated.bus, queue) == 0 and _access_rows(db) == 1, timeout=20,
                 message="the billing.access consumer to apply the event")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        db.dispose()

    app = create_app(migrated)
    try:
        headers = {HEADER: sign_identity({"kind": "request", "tenant_id": tenant, "branch_id": branch,
                                          "account_kind": "customer", "account_id": me, "session_tenant_id": tenant},
                                         migrated.internal_token_secret)}
        assert app.test_client().get("/summary", headers=headers).get_json() == {
            "current_balance_cents": 12_300, "invoices_due": 1, "property_ids": [prop]}
    finally:
        app.extensions["portal_db"].dispose()


def _access_rows(db) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT count(*) FROM property_access"))

