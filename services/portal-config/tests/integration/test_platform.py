"""portal-config's platform endpoints with its real readiness checks (database and broker)."""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal_config.adapters.orm import metadata
from portal_config.app import create_app
from portal_shared.config import BusSettings
from portal_shared.db import drop_database
from portal_shared.migrations import upgrade
from portal_testkit.testing import require_reachable, unique
from portal_shared.web.health import standard_checks

pytestmark = pytest.mark.integration

COMPANY, BRANCH = "3f2d6c1a-0c1e-4a7b-9d2e-5b6a7c8d9e01", "3f2d6c1a-0c1e-4a7b-9d2e-5b6a7c8d9e02"


@contextmanager
def throwaway_database_at(package: str, revision: str):
    url = f"{require_reachable().postgres_url.rstrip('/')}/{unique('portaltest_' + package)}"
    upgrade(package, url, revision)
    try:
        yield url
    finally:
        drop_database(url)


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


def test_the_openapi_document_describes_the_settings_api(client):
    paths = client.get("/openapi.json").get_json()["paths"]
    assert {"/branches/{branch_id}/settings", "/branches/{branch_id}/settings/check",
            "/branches/{branch_id}/settings/versions", "/branches/{branch_id}/settings/versions/{version}",
            "/branches/{branch_id}/assets", "/assets/{asset_id}", "/internal/settings", "/settings/options"} <= set(paths)
    assert set(paths["/branches/{branch_id}/settings"]) >= {"get", "put"}
    assert "multipart/form-data" in paths["/branches/{branch_id}/assets"]["post"]["requestBody"]["content"]


def test_migration_0002_gives_branches_that_existed_before_it_their_default_settings():
    from portal_config.domain.settings import default_settings

    with throwaway_database_at("portal_config", "0001") as url:
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO companies (id, name) VALUES (:c, 'Old Co')"), {"c": COMPANY})
                conn.execute(sa.text("INSERT INTO branches (id, tenant_id, name, slug, enabled, time_zone, revision) "
                                     "VALUES (:b, :c, 'Old', 'old', true, 'UTC', 1)"), {"b": BRANCH, "c": COMPANY})
            upgrade("portal_config", url)
            with engine.connect() as conn:
                (current,) = conn.execute(sa.text("SELECT * FROM portal_settings")).mappings().all()
                (history,) = conn.execute(sa.text("SELECT * FROM portal_settings_versions")).mappings().all()
        finally:
            engine.dispose()
    assert (str(current["branch_id"]), current["version"]) == (BRANCH, 1)
    assert current["settings"] == default_settings("Old Co")  # the frozen copy still equals today's defaults
    assert (history["version"], history["changes"], history["settings"]) == (1, {}, current["settings"])


def test_the_migrations_build_exactly_the_tables_the_models_describe(db):
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
