"""The real branch feed: a snapshot from a real HTTP server, then branch events from the real RabbitMQ."""
from __future__ import annotations

import json

import pytest
from werkzeug.wrappers import Request, Response

from portal_gateway.app import create_app
from portal_gateway.config import GatewaySettings
from portal_shared.bus.connection import connect
from portal_shared.bus.relay import message_properties
from portal_shared.bus.topology import Names, declare_exchanges
from portal_shared.events import make_event
from portal_shared.identity_token import HEADER, InvalidIdentityToken, verify_identity
from portal_testkit.testing import bus_settings, delete_bus_namespace, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def bus():
    settings = bus_settings()
    yield settings
    delete_bus_namespace(settings)


@pytest.fixture
def snapshot_server(start_upstream, secret, make_branch):
    """portal-config's /internal/branches: one branch, only for a valid service identity token."""
    rows = [make_branch(slug="first", revision=3)]
    tokens: list[dict] = []

    def app(environ, start_response):
        request = Request(environ)
        if request.path != "/internal/branches":
            return Response("not found", status=404)(environ, start_response)
        try:
            claims = verify_identity(request.headers.get(HEADER, ""), secret)
        except InvalidIdentityToken:
            return Response("no", status=401)(environ, start_response)
        tokens.append(claims)
        if claims.get("kind") != "service":
            return Response("no", status=403)(environ, start_response)
        return Response(json.dumps(rows), mimetype="application/json")(environ, start_response)

    server = start_upstream("portal-config-snapshot", app=app)
    server.tokens = tokens
    return server


@pytest.fixture
def gateway_with_feed(bus, snapshot_server, upstreams, secret):
    routes = {name: [server.url] for name, server in upstreams.items()}
    routes["portal-config"] = [snapshot_server.url]
    app = create_app(GatewaySettings(base_domain="localhost:8080", upstreams=routes, internal_token_secret=secret,
                                     bus=bus, connect_timeout=1.0, read_timeout=5.0))
    feed = app.extensions["gateway_feed"]
    yield app
    feed.stop()
    feed._thread.join(timeout=5)
    for pool in app.extensions["gateway_pools"].values():
        pool.session.close()


def publish(settings, event_type: str, data: dict) -> None:
    """Publish a branch event to the namespace's events exchange the way the outbox relay does."""
    envelope = make_event(event_type, data, tenant_id=data["company_id"], branch_id=data["branch_id"])
    payload = envelope.to_dict()
    connection = connect(settings)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        declare_exchanges(channel, Names(settings.namespace))
        channel.basic_publish(exchange=Names(settings.namespace).events_exchange, routing_key=event_type,
                              body=json.dumps(payload).encode(), properties=message_properties(payload),
                              mandatory=True)
    finally:
        connection.close()


def test_the_feed_loads_the_snapshot_then_routes_branches_created_and_disabled_by_events(
        gateway_with_feed, snapshot_server, bus, make_branch):
    app = gateway_with_feed
    table, feed = app.extensions["gateway_branches"], app.extensions["gateway_feed"]
    client = app.test_client()

    wait_for(lambda: table.loaded.is_set() and feed.connected, timeout=10, message="the snapshot and the feed")
    assert [c["kind"] for c in snapshot_server.tokens] == ["service"]
    assert snapshot_server.tokens[0]["sub"] == "gateway"
    assert client.get("/", headers={"Host": "first.localhost:8080"}).get_json()["server"] == "portal-web"
    assert client.get("/", headers={"Host": "second.localhost:8080"}).status_code == 404

    second = make_branch(slug="second", name="East Branch", revision=1)
    publish(bus, "branch_created", second)
    wait_for(lambda: table.by_slug("second"), timeout=2, interval=0.05, message="branch_created to be routed")
    response = client.get("/api/billing/invoices", headers={"Host": "second.localhost:8080"})
    assert response.status_code == 200
    assert response.get_json()["headers"]["x-portal-identity"]

    publish(bus, "branch_updated", {**second, "enabled": False, "revision": 2})
    wait_for(lambda: table.by_slug("second").enabled is False, timeout=2, interval=0.05,
             message="branch_updated to disable the branch")
    response = client.get("/", headers={"Host": "second.localhost:8080"})
    assert response.status_code == 403
    assert "not enabled" in response.get_data(as_text=True)

    # A late copy of an older revision does not switch it back on.
    publish(bus, "branch_created", second)
    publish(bus, "branch_updated", {**second, "name": "Renamed", "revision": 3, "enabled": False})
    wait_for(lambda: table.by_slug("second").name == "Renamed", timeout=2, interval=0.05, message="revision 3")
    assert table.by_slug("second").enabled is False
