"""The real settings feed: the snapshot from the portal-config double over HTTP, then
`portal_settings_updated` events from the real RabbitMQ, into the app's BrandingCache.

The broker is TEST_AMQP_URL (the Makefile's local RabbitMQ when unset), in a throwaway namespace
deleted afterwards. If it cannot be reached the test FAILS saying so; nothing is skipped.
"""
from __future__ import annotations

import json
import os
import uuid

import pytest

from portal_shared.bus.connection import connect
from portal_shared.bus.relay import message_properties
from portal_shared.bus.topology import Names, declare_exchanges
from portal_shared.config import BusSettings, ServiceSettings
from portal_shared.events import make_event
from portal_testkit.testing import delete_bus_namespace, unique, wait_for
from portal_web import SERVICE
from portal_web.app import create_app

pytestmark = pytest.mark.integration
SECRET = "portal-web-test-internal-secret-0123456789"  # the suite's (conftest.py)
AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@localhost:5672/%2F")


@pytest.fixture
def bus():
    settings = BusSettings(url=AMQP_URL, namespace=unique("test").replace("_", "-"), heartbeat=10)
    try:
        connect(settings).close()
    except Exception as exc:  # noqa: BLE001 - say what is missing, never skip
        pytest.fail(f"RabbitMQ is not reachable at {AMQP_URL} (set TEST_AMQP_URL): {exc!r}")
    yield settings
    delete_bus_namespace(settings)


@pytest.fixture
def app_with_feed(bus, config, identity, services, monkeypatch):
    monkeypatch.setenv("UPSTREAM_PORTAL_CONFIG", config.url)
    monkeypatch.setenv("UPSTREAM_IDENTITY", identity.url)
    for name in ("billing", "proposals", "requests", "visits"):
        monkeypatch.setenv(f"UPSTREAM_{name.upper()}", services.url_of(name))
    app = create_app(ServiceSettings(service=SERVICE, database_url="postgresql+psycopg://127.0.0.1:9/none",
                                     internal_token_secret=SECRET, bus=bus))
    yield app
    app.extensions["settings_feed"].stop(timeout=5)


def publish(settings: BusSettings, branch_id: str, version: int, data: dict) -> None:
    """Publish the event to the namespace's events exchange the way portal-config's outbox relay does."""
    envelope = make_event("portal_settings_updated", {"branch_id": branch_id, "version": version, "updated_by": None,
                                                      "settings": data},
                          tenant_id=str(uuid.uuid4()), branch_id=branch_id)
    payload = envelope.to_dict()
    connection = connect(settings)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        names = Names(settings.namespace)
        declare_exchanges(channel, names)
        channel.basic_publish(exchange=names.events_exchange, routing_key="portal_settings_updated",
                              body=json.dumps(payload).encode(), properties=message_properties(payload), mandatory=True)
    finally:
        connection.close()


def test_the_feed_loads_the_snapshot_then_applies_newer_settings_from_events(app_with_feed, bus, config,
                                                                              portal_identity):
    branch = str(uuid.uuid4())
    config.form(branch)["nav_background_color"] = "#003366"
    config.versions[branch] = 3
    app = app_with_feed
    cache, feed, client = app.extensions["branding_cache"], app.extensions["settings_feed"], app.test_client()
    customer = portal_identity(branch_id=branch, tenant_id="t", account_kind="customer", account_id="c-1",
                               session_tenant_id="t")

    wait_for(lambda: cache.loaded.is_set() and feed.connected, timeout=10, message="the snapshot and the feed")
    assert client.get("/readyz").get_json()["ready"] is True
    assert "--nav-bg: #003366;" in client.get("/", headers=customer).get_data(as_text=True)

    publish(bus, branch, 4, {**config.contract(branch), "nav_background_color": "#0b3d91"})
    wait_for(lambda: cache.version_of(branch) == 4, timeout=3, interval=0.05, message="version 4 from the event")
    assert "--nav-bg: #0b3d91;" in client.get("/", headers=customer).get_data(as_text=True)

    # A late copy of an older version changes nothing.
    publish(bus, branch, 2, {**config.contract(branch), "nav_background_color": "#990000"})
    publish(bus, branch, 5, {**config.contract(branch), "show_proposals": False})
    wait_for(lambda: cache.version_of(branch) == 5, timeout=3, interval=0.05, message="version 5")
    html = client.get("/", headers=customer).get_data(as_text=True)
    assert "--nav-bg: #003366;" in html and "#990000" not in html  # version 5: the double's colour again
    assert ">Proposals</a>" not in html
