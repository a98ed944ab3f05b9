"""Part 5's probes through the real gateway (gunicorn in front of every service): each answers a
4xx problem+json, whether the gateway or the service refuses it."""
from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.e2e
PROBLEM_JSON = "application/problem+json"


def send(system, method: str, path: str, slug: str | None = "demo", **kwargs) -> requests.Response:
    headers = {"Host": system.host(slug), **kwargs.pop("headers", {})}
    return requests.request(method, system.gateway + path, headers=headers, timeout=15, **kwargs)


def assert_problem(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:300]
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert response.json()["status"] == status
    return response.json()


@pytest.mark.parametrize("method, path, slug, status", [
    ("GET", "/api/billing/summary", "no-such-branch", 404),
    ("GET", "/api/no-such-service/x", "demo", 404),
    ("TRACE", "/api/billing/summary", "demo", 405),
    ("GET", "/api/billing/summary?q=" + "a" * 6000, "demo", 414),
    ("GET", "/api/identity/staff/contacts?q=%00", "demo", 400),
    ("GET", "/api/portal-config/companies/%00", None, 400),
    ("GET", "/api/portal-config/companies?page=922337203685477582", None, 401),  # refused before paging
])
def test_the_gateway_and_the_services_refuse_with_problem_json(system, method, path, slug, status):
    assert_problem(send(system, method, path, slug), status)


def test_a_page_whose_offset_overflows_the_database_is_a_422_through_the_gateway(system):
    response = send(system, "GET", "/api/portal-config/companies?page=922337203685477582", None,
                    headers={"Authorization": f"Bearer {system.stack.operator_token}"})
    assert set(assert_problem(response, 422)["errors"]) == {"page"}


@pytest.mark.parametrize("body", ["[]", '"camilla@example.com"', '{"email": ' + "[" * 1000 + "]" * 1000 + "}",
                                  '{"email": "cam\\u0000illa@example.com", "password": "x"}'])
def test_a_sign_in_body_that_is_not_a_plain_object_is_a_4xx_problem(system, body):
    response = send(system, "POST", "/api/identity/customer/sessions", data=body,
                    headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text[:300]
    assert response.headers["Content-Type"] == PROBLEM_JSON


def test_a_body_over_the_gateways_cap_is_a_413_problem(system):
    response = send(system, "POST", "/api/identity/customer/sessions", data=b"x" * (53 * 1024 * 1024),
                    headers={"Content-Type": "application/json"})
    assert_problem(response, 413)
