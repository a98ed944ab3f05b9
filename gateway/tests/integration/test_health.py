"""The gateway's own endpoints: /healthz anywhere, /readyz and /metrics on the bare host with the operator
token (what happens without it is in test_edge_safety.py)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal_gateway.config import DEFAULT_UPSTREAMS

OPERATOR = {"Authorization": "Bearer gateway-test-operator-token-0123456789abcdef"}  # conftest's OPERATOR_TOKEN

pytestmark = pytest.mark.integration

BARE = "localhost:8080"


@pytest.fixture
def ready_gateway(make_gateway):
    """A gateway whose table is loaded and whose (stand-in) event feed is connected."""

    def make(**kwargs):
        app = make_gateway(**kwargs)
        app.extensions["gateway_feed"] = SimpleNamespace(connected=True)
        return app

    return make


def readyz(app):
    return app.test_client().get("/readyz", headers={"Host": BARE, **OPERATOR})


@pytest.mark.parametrize("host", [BARE, "demo.localhost:8080", "closed.localhost:8080", "nosuch.localhost:8080",
                                  "somewhere.example.com", "10.0.0.7:8000"])
def test_healthz_answers_alive_on_any_host(make_gateway, host):
    response = make_gateway().test_client().get("/healthz", headers={"Host": host})
    assert response.status_code == 200
    assert response.get_json() == {"service": "gateway", "status": "alive"}


def test_readyz_is_200_and_lists_every_service_when_all_are_ready(ready_gateway):
    response = readyz(ready_gateway())
    assert response.status_code == 200
    body = response.get_json()
    assert body["ready"] is True
    assert set(body["services"]) == set(DEFAULT_UPSTREAMS)
    assert all(entry["ready"] for entry in body["services"].values())
    assert body["gateway"] == {"routing_table_loaded": True, "branches": 2, "event_feed_connected": True,
                               "redis": "ok"}


def test_readyz_checks_every_instance_of_a_service(ready_gateway, start_upstream):
    a, b = start_upstream("billing-a"), start_upstream("billing-b")
    billing = readyz(ready_gateway(billing=[a.url, b.url])).get_json()["services"]["billing"]
    assert billing == {"ready": True, "instances": {a.url: "ok", b.url: "ok"}}


def test_readyz_is_503_naming_a_service_whose_readyz_answers_503(ready_gateway, start_upstream):
    sick = start_upstream("billing-sick", readyz_status=503)
    response = readyz(ready_gateway(billing=[sick.url]))
    assert response.status_code == 503
    services = response.get_json()["services"]
    assert services["billing"]["ready"] is False
    assert "503" in services["billing"]["instances"][sick.url]
    assert [name for name, entry in services.items() if not entry["ready"]] == ["billing"]


def test_readyz_is_503_naming_a_service_that_is_down(ready_gateway, down_url):
    response = readyz(ready_gateway(visits=[down_url]))
    assert response.status_code == 503
    services = response.get_json()["services"]
    assert services["visits"]["instances"][down_url].startswith("unavailable")
    assert [name for name, entry in services.items() if not entry["ready"]] == ["visits"]


def test_readyz_is_503_when_one_of_two_instances_is_down(ready_gateway, start_upstream, down_url):
    alive = start_upstream("billing-alive")
    billing = readyz(ready_gateway(billing=[alive.url, down_url])).get_json()["services"]["billing"]
    assert billing["ready"] is False
    assert billing["instances"][alive.url] == "ok"


def test_readyz_is_503_until_the_routing_table_is_loaded(ready_gateway):
    response = readyz(ready_gateway(loaded=False))
    assert response.status_code == 503
    assert response.get_json()["gateway"]["routing_table_loaded"] is False


def test_readyz_is_503_while_the_event_feed_is_disconnected(ready_gateway):
    app = ready_gateway()
    app.extensions["gateway_feed"] = SimpleNamespace(connected=False)
    response = readyz(app)
    assert response.status_code == 503
    assert response.get_json()["gateway"]["event_feed_connected"] is False


def test_readyz_is_503_naming_redis_when_redis_is_down(ready_gateway, closed_redis_url):
    response = readyz(ready_gateway(redis_url=closed_redis_url))
    assert response.status_code == 503
    body = response.get_json()
    assert body["ready"] is False
    assert body["gateway"]["redis"].startswith("unavailable")
    assert "ConnectionError" in body["gateway"]["redis"]
    # Only Redis is wrong: every service and the rest of the gateway are fine.
    assert all(entry["ready"] for entry in body["services"].values())
    assert body["gateway"]["routing_table_loaded"] and body["gateway"]["event_feed_connected"]


def test_readyz_is_503_without_any_event_feed(make_gateway):
    assert readyz(make_gateway()).status_code == 503


def test_metrics_on_the_bare_host_are_prometheus_text(make_gateway):
    client = make_gateway().test_client()
    client.get("/", headers={"Host": "demo.localhost:8080"})
    response = client.get("/metrics", headers={"Host": BARE, **OPERATOR})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "# TYPE http_requests_total counter" in text
    assert 'service="gateway"' in text
