"""Several instances of a service: requests take turns, and a dead instance is stepped over."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

DEMO = "demo.localhost:8080"


def test_requests_alternate_between_two_instances_of_a_service(make_gateway, start_upstream):
    a, b = start_upstream("billing-a"), start_upstream("billing-b")
    client = make_gateway(billing=[a.url, b.url]).test_client()
    served = [client.get("/api/billing/invoices", headers={"Host": DEMO}).get_json()["server"] for _ in range(6)]
    assert served == ["billing-a", "billing-b"] * 3


def test_when_one_instance_is_down_every_request_succeeds_on_the_other(make_gateway, start_upstream, down_url):
    alive = start_upstream("billing-alive")
    client = make_gateway(billing=[down_url, alive.url]).test_client()
    responses = [client.get("/api/billing/invoices", headers={"Host": DEMO}) for _ in range(6)]
    assert [r.status_code for r in responses] == [200] * 6
    assert {r.get_json()["server"] for r in responses} == {"billing-alive"}
    assert len(alive.seen) == 6


def test_a_post_is_also_moved_on_when_an_instance_refuses_the_connection(make_gateway, start_upstream, down_url):
    alive = start_upstream("billing-alive")
    client = make_gateway(billing=[down_url, alive.url]).test_client()
    response = client.post("/api/billing/payments", data=b"pay", headers={"Host": DEMO})
    assert response.status_code == 200
    assert [r["body"] for r in alive.seen] == ["pay"]


def test_when_every_instance_is_down_the_answer_is_503(make_gateway, down_url):
    response = make_gateway(billing=[down_url, down_url]).test_client().get("/api/billing/x", headers={"Host": DEMO})
    assert response.status_code == 503
    assert response.get_json()["code"] == "upstream_unavailable"


def test_a_post_an_instance_received_and_then_dropped_is_not_sent_again_to_another(make_gateway, start_upstream,
                                                                                 dropping_upstream):
    # The first instance reads the whole request and then closes the connection: it may have
    # acted on it. Sending it to the next instance could charge a customer twice.
    alive = start_upstream("billing-alive")
    client = make_gateway(billing=[dropping_upstream.url, alive.url]).test_client()
    response = client.post("/api/billing/payments", data=b"pay once", headers={"Host": DEMO})
    assert [r["body"] for r in dropping_upstream.seen] == ["pay once"]
    assert alive.seen == []
    assert response.status_code == 502
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "upstream_failed"


def test_a_get_an_instance_dropped_is_retried_on_the_next_instance(make_gateway, start_upstream, dropping_upstream):
    alive = start_upstream("billing-alive")
    client = make_gateway(billing=[dropping_upstream.url, alive.url]).test_client()
    response = client.get("/api/billing/invoices", headers={"Host": DEMO})
    assert response.status_code == 200
    assert response.get_json()["server"] == "billing-alive"
