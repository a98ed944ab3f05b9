"""`portal-notifications migrate` creates the database and migrates it to head, matching the models."""
from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal_notifications.adapters.orm import metadata
from portal_notifications.cli import main
from portal_shared.db import drop_database


def test_migrate_creates_the_database_with_the_outbound_log_and_bus_tables(monkeypatch, postgres_url):
    url = f"{postgres_url}/portal_test_notifications_cli_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        assert main(["migrate"]) == 0
        assert main(["migrate"]) == 0  # a second run changes nothing
        engine = sa.create_engine(url)
        try:
            tables = set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()
        assert {"outbound_messages", "outbox", "inbox", "alembic_version"} <= tables
    finally:
        drop_database(url)


def test_the_migrations_build_exactly_the_tables_the_models_describe(database_url):
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    assert differences == []
