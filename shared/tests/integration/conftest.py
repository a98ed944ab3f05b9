"""Bus integration tests. Real: PostgreSQL (a throwaway database with the bus tables and an
`effects` table), RabbitMQ (a throwaway namespace), and the real relay and consumer code.
Faked: nothing; handlers are small test functions that write to `effects`.
"""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from portal_shared.bus.outbox import define_bus_tables
from portal_shared.db import Database, drop_database, ensure_database_exists
from portal_testkit.testing import bus_settings, delete_bus_namespace, require_reachable, unique

pytestmark = pytest.mark.integration

metadata = sa.MetaData()
define_bus_tables(metadata)
effects = sa.Table("effects", metadata, sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("message_id", sa.String(100), nullable=False), sa.Column("note", sa.String(200)))


@pytest.fixture
def db():
    url = f"{require_reachable().postgres_url.rstrip('/')}/{unique('portaltest_bus')}"
    ensure_database_exists(url)
    database = Database(url)
    metadata.create_all(database.engine)
    yield database
    database.dispose()
    drop_database(url)


@pytest.fixture
def bus():
    settings = bus_settings()
    yield settings
    delete_bus_namespace(settings)


@pytest.fixture
def run_in_thread():
    """Start bus loops in threads; they are stopped and joined at the end of the test."""
    started: list[tuple[threading.Event, threading.Thread]] = []

    def start(loop):
        stop = threading.Event()
        thread = threading.Thread(target=loop, args=(stop,), daemon=True)
        thread.start()
        started.append((stop, thread))
        return stop

    yield start
    for stop, thread in started:
        stop.set()
    for _stop, thread in started:
        thread.join(timeout=15)
