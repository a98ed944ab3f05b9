"""Pooled connections: checked after sitting idle, trusted when used recently (real PostgreSQL)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_shared import db as db_module
from portal_shared.db import Database

pytestmark = pytest.mark.integration


@pytest.fixture
def database(db):
    database = Database(db.url, pool_size=1)
    yield database
    database.dispose()


def _backend_pid(database: Database) -> int:
    with database.engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _kill(database: Database, pid: int) -> None:
    admin = sa.create_engine(database.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_anyone_uses_it(database, monkeypatch):
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    database.dispose()                      # the engine is built again with the setting above
    first = _backend_pid(database)
    _kill(database, first)
    second = _backend_pid(database)         # no error: the dead connection was pinged and replaced
    assert second != first


def test_a_recently_used_connection_is_not_pinged(database, monkeypatch):
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    database.dispose()
    statements: list[str] = []
    sa.event.listen(database.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *a: statements.append(statement))
    pings: list[int] = []
    original = database.engine.dialect.do_ping
    monkeypatch.setattr(database.engine.dialect, "do_ping", lambda c: pings.append(1) or original(c))
    _backend_pid(database)
    _backend_pid(database)
    assert pings == []                      # one round trip per unit of work, not two
