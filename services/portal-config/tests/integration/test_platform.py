"""portal-config's platform endpoints with its real readiness checks (database and broker)."""
from __future__ import annotations

import dataclasses

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal_config.adapters.orm import metadata
from portal_config.app import create_app
from portal_shared.config import BusSettings
from portal_shared.testing import require_reachable
from portal_shared.web.health import standard_checks

pytestmark = pytest.mark.integration


def test_readyz_checks_the_real_database_and_broker(wiring, db):
    checks = standard_checks(db, BusSettings(url=require_reachable().amqp_url))
    client = create_app(dataclasses.replace(wiring, readiness_checks=checks)).test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "broker": "ok"}


def test_the_openapi_document_describes_the_admin_api(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"/companies", "/companies/{company_id}/branches", "/branches/{branch_id}", "/internal/branches"} <= set(paths)


def test_the_migrations_build_exactly_the_tables_the_models_describe(db):
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
