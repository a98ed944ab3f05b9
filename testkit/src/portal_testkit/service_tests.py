"""Tests every service runs the same way, on the fixtures of `portal_testkit.pytest_plugin`.

A service's test module imports the ones it runs; pytest collects an imported test function under
the name it has in that module, so a name that speaks of the service is given with `import ... as`:

    from portal_testkit.service_tests import test_healthz_answers_200  # noqa: F401
    from portal_testkit.service_tests import (  # noqa: F401
        cli_names_the_access_consumer as test_the_cli_names_the_billing_access_consumer_for_property_access_changed)

What differs between services comes from the `service_under_test` fixture (and, for the access
worker, the test module's `summary_row` fixture).
"""
from __future__ import annotations

import json
import threading
import uuid

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from prometheus_client.parser import text_string_to_metric_families

from portal_shared.bus.connection import connect
from portal_shared.bus.relay import message_properties
from portal_shared.bus.topology import Names
from portal_shared.bus.worker import start_loops
from portal_shared.db import Database
from portal_shared.events import make_event
from portal_shared.identity_token import HEADER, sign_identity
from portal_testkit.testing import queue_depth, wait_for

# -- platform: health, readiness, OpenAPI, metrics, migrations --------------------------------


def test_healthz_answers_200(client, service_under_test):
    assert client.get("/healthz").get_json() == {"service": service_under_test.service, "status": "alive"}


def readyz_answers_200_when_its_checks_answer(client, service_under_test):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {check: "ok" for check in service_under_test.readiness_checks}


def test_readyz_answers_503_naming_the_database_when_it_does_not_exist(client_for, missing_database_url,
                                                                         service_under_test):
    response = client_for(missing_database_url).get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"].startswith("unavailable:") and all(
        checks[check] == "ok" for check in service_under_test.readiness_checks if check != "database")
    assert f'database "{missing_database_url.rsplit("/", 1)[1]}" does not exist' in checks["database"]


def test_openapi_and_metrics_answer_200(client, service_under_test):
    assert client.get("/openapi.json").get_json()["openapi"].startswith("3.")
    client.get("/healthz")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    counted = [sample.labels for family in text_string_to_metric_families(metrics.get_data(as_text=True))
               for sample in family.samples if sample.name == "http_requests_total"]
    assert {"service": service_under_test.service, "method": "GET", "endpoint": "/healthz", "status": "200"} in counted


def migrations_built_the_tables_exactly_as_the_models_describe(database_url, service_under_test):
    engine = sa.create_engine(database_url)
    try:
        assert set(service_under_test.migrated_tables) <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), service_under_test.metadata) == []
    finally:
        engine.dispose()


# -- the access worker: `portal-<service> migrate`, then the <service>.access consumer ----------


def cli_names_the_access_consumer(migrated, service_under_test):
    [consumer] = service_under_test.cli_consumers(migrated)
    assert consumer.name == f"{service_under_test.service}.access" and list(consumer.handlers) == [
        "property_access_changed"]
    assert [name for name, _loop in service_under_test.cli_loops(migrated)] == ["outbox-relay", "consumer:access"]


def test_migrate_declares_the_access_queue_and_the_worker_applies_what_reaches_it(migrated, service_under_test,
                                                                                    summary_row):
    access = f"{service_under_test.service}.access"
    tenant, branch, me, prop = (str(uuid.uuid4()) for _ in range(4))
    event = make_event("property_access_changed", {
        "property_id": prop, "branch_id": branch, "revision": 1, "access": [{"contact_id": me, "roles": ["Billing"]}],
    }, tenant_id=tenant, branch_id=branch)
    publish(migrated, event)  # before any worker ran: the queue `migrate` declared keeps it
    queue = Names(migrated.bus.namespace).queue(access)
    assert queue_depth(migrated.bus, queue) == 1

    db = Database(migrated.database_url)
    with db.unit_of_work() as session:
        session.execute(sa.text(summary_row.insert_sql), {"id": str(uuid.uuid4()), "t": tenant, "p": prop})
    stop = threading.Event()
    threads = start_loops(service_under_test.cli_loops(migrated), stop)
    try:
        wait_for(lambda: queue_depth(migrated.bus, queue) == 0 and _access_rows(db) == 1, timeout=20,
                 message=f"the {access} consumer to apply the event")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        db.dispose()

    app = service_under_test.create_app(migrated)
    try:
        headers = {HEADER: sign_identity({"kind": "request", "tenant_id": tenant, "branch_id": branch,
                                          "account_kind": "customer", "account_id": me, "session_tenant_id": tenant},
                                         migrated.internal_token_secret)}
        assert app.test_client().get("/summary", headers=headers).get_json() == {
            **summary_row.figures, "property_ids": [prop]}
    finally:
        app.extensions["portal_db"].dispose()


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


def _access_rows(db) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.text("SELECT count(*) FROM property_access"))
