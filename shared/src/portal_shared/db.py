"""The service's database: one lazily built engine per process, and the unit of work.

The engine is built on first use, never at import, and rebuilt when the process id changes,
so a gunicorn worker never shares a pooled connection with its parent.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


# A pooled connection unused for this long is checked (a round trip) before it is handed out; one used
# more recently is trusted. `pool_pre_ping` pinged on every checkout: one extra round trip per unit of
# work, 14 % of billing's time per /summary under load (docs/performance.md).
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_after_idle(engine: sa.Engine, idle_seconds: float) -> None:
    """SQLAlchemy's pessimistic disconnect handling, only for connections that sat idle: a dead one is
    replaced by a fresh one before anyone uses it (DisconnectionError makes the pool retry the checkout).
    A connection that died within `idle_seconds` of its last use fails its next statement instead, and
    SQLAlchemy then invalidates the whole pool, so at most one unit of work per process sees it."""

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= idle_seconds:
            return   # just opened, or used a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure to answer is a dead connection
            raise sa.exc.DisconnectionError(f"pooled connection did not answer: {exc!r}") from exc
        if not alive:
            raise sa.exc.DisconnectionError("pooled connection did not answer")


class Database:
    def __init__(self, url: str, *, pool_size: int = 5):
        self.url = url
        self._pool_size = pool_size
        self._engine: sa.Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._pid: int | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None or self._pid != os.getpid():
            if self._engine is not None:
                # Inherited from the parent: drop its connections without closing them under it.
                self._engine.dispose(close=False)
            self._engine = sa.create_engine(
                self.url, pool_size=self._pool_size, pool_recycle=1800
            )
            _ping_after_idle(self._engine, PING_AFTER_IDLE_SECONDS)
            self._sessions = sessionmaker(self._engine, expire_on_commit=False)
            self._pid = os.getpid()
        return self._engine

    def new_session(self) -> Session:
        self.engine  # noqa: B018 - builds the sessionmaker for this process
        assert self._sessions is not None
        return self._sessions()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose work commits together at the end, or not at all."""
        session = self.new_session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def ensure_database_exists(url: str) -> bool:
    """Create the database named in `url` if the server lacks it. Returns True when created."""
    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).first()
            if exists:
                return False
            conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
            return True
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
