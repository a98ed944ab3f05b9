"""Alembic, the same way in every service: `<package>:migrations` holds the scripts.

A service's migrations/env.py is two lines (`run_migrations(metadata)`); `upgrade` is what
`<service> migrate` and the tests call. `create_bus_tables` is used by each service's first
migration; a later change to the bus tables needs a new migration in each service.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from portal_shared.bus.outbox import define_bus_tables
from portal_shared.db import ensure_database_exists


def alembic_config(package: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(package: str, url: str, revision: str = "head") -> None:
    """Create the database if missing and migrate it to `revision`."""
    ensure_database_exists(url)
    command.upgrade(alembic_config(package, url), revision)


def run_migrations(target_metadata: sa.MetaData) -> None:
    """Body of every service's migrations/env.py (online mode only: we always have a database)."""
    from alembic import context

    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url"), poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_bus_tables(op) -> None:
    for table in define_bus_tables(sa.MetaData()):
        table.create(op.get_bind())


def drop_bus_tables(op) -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
