"""The identity service answers health, readiness (database, broker, Redis), OpenAPI and metrics;
its migrations built exactly the tables the models describe."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from prometheus_client.parser import text_string_to_metric_families

from portal_identity.adapters.orm import metadata

pytestmark = pytest.mark.integration


def test_healthz_answers_200(client):
    assert client.get("/healthz").get_json() == {"service": "identity", "status": "alive"}


def test_readyz_answers_200_when_the_database_broker_and_redis_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "broker": "ok", "redis": "ok"}


def test_readyz_answers_503_naming_the_database_when_it_does_not_exist(client_for, missing_database_url):
    response = client_for(missing_database_url).get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"].startswith("unavailable:") and checks["broker"] == "ok" and checks["redis"] == "ok"
    assert f'database "{missing_database_url.rsplit("/", 1)[1]}" does not exist' in checks["database"]


def test_openapi_and_metrics_answer_200(client):
    assert client.get("/openapi.json").get_json()["openapi"].startswith("3.")
    client.get("/healthz")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    counted = [sample.labels for family in text_string_to_metric_families(metrics.get_data(as_text=True))
               for sample in family.samples if sample.name == "http_requests_total"]
    assert {"service": "identity", "method": "GET", "endpoint": "/healthz", "status": "200"} in counted


def test_the_migrations_built_the_outbox_inbox_and_people_tables_exactly_as_the_models_describe(database_url):
    engine = sa.create_engine(database_url)
    try:
        assert {"outbox", "inbox", "branches", "staff_users", "contacts", "properties", "property_roles",
                "invitations", "password_resets", "api_keys"} <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()
