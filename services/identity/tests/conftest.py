"""Tests of the identity service's platform parts: what is real and what is faked.

Nothing is faked. integration/ builds the real app from `portal_identity.app.create_app` with
settings naming a real PostgreSQL database and the real RabbitMQ broker:
- PostgreSQL (TEST_POSTGRES_URL): one throwaway database per module, created and migrated by
  the service's own Alembic migrations (`portal_shared.testing.throwaway_database`), dropped
  afterwards; the "database missing" case names a database that is never created;
- RabbitMQ (TEST_AMQP_URL): only connected to by the /readyz broker check; nothing is declared.
If a server cannot be reached the tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import pytest

from portal_identity import SERVICE
from portal_identity.app import create_app
from portal_shared.config import BusSettings, ServiceSettings
from portal_shared.testing import require_reachable, throwaway_database, unique


@pytest.fixture(scope="module")
def database_url():
    with throwaway_database("portal_identity") as url:
        yield url


@pytest.fixture
def client_for():
    """A test client of the app built with DATABASE_URL=<url> and AMQP_URL=<the real broker>."""
    apps = []

    def build(database_url: str):
        settings = ServiceSettings(service=SERVICE, database_url=database_url,
                                   bus=BusSettings(url=require_reachable().amqp_url))
        apps.append(create_app(settings))
        return apps[-1].test_client()

    yield build
    for app in apps:
        app.extensions["portal_db"].dispose()


@pytest.fixture
def client(client_for, database_url):
    return client_for(database_url)


@pytest.fixture
def missing_database_url() -> str:
    return f"{require_reachable().postgres_url.rstrip('/')}/{unique('portaltest_missing')}"
