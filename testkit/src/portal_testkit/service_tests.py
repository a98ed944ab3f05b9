"""Tests every service runs the same way, on the fixtures of `portal_testkit.pytest_plugin`.

A service's test module imports the ones it runs; pytest collects an imported test function under
the name it has in that module, so a name that speaks of the service is given with `import ... as`:

    from portal_testkit.service_tests import test_healthz_answers_200  # noqa: F401
    from portal_testkit.service_tests import (  # noqa: F401
        readyz_answers_200_when_its_checks_answer as test_readyz_answers_200_when_the_database_and_broker_answer)

What differs between services comes from the `service_under_test` fixture. Feature services run
these (and more) as `portal_testkit.feature_service_tests.FeatureServiceTests`.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from prometheus_client.parser import text_string_to_metric_families

from portal_shared.bus.connection import connect
from portal_shared.bus.relay import message_properties
from portal_shared.bus.topology import Names

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


# -- helpers for the feature services' worker test (portal_testkit.feature_service_tests) --------


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
