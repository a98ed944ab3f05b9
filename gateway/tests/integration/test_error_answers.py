"""The gateway's own refusals: problem+json under /api/, the HTML page for browser paths.

Real gateway app (no feed thread) in front of the echo upstreams (see conftest.py); the long-URI
test also runs the gateway over real HTTP.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from portal_gateway.entrypoints.errors import MAX_URI_BYTES

DEMO = "demo.localhost:8080"
BARE = "localhost:8080"
PROBLEM_JSON = "application/problem+json"


def send(app, method: str, path: str, host: str = DEMO, **kwargs):
    return app.test_client().open(path, method=method, headers={"Host": host, **kwargs.pop("headers", {})}, **kwargs)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"] == f"https://errors.portal.example/{code}"
    assert body["title"] and body["request_id"] == response.headers["X-Request-ID"]
    return body


@pytest.mark.parametrize("host", ["nosuch.localhost:8080", "demo.example.com"])
def test_an_api_call_to_a_host_or_branch_we_do_not_serve_is_a_404_problem(make_gateway, host):
    assert_problem(send(make_gateway(), "GET", "/api/billing/summary", host=host), 404, "no_portal")


@pytest.mark.parametrize("host", [DEMO, BARE])
@pytest.mark.parametrize("path", ["/api", "/api/", "/api/unknown/x", "/api/portal-web/x"])
def test_an_api_path_naming_no_service_is_a_404_problem_and_reaches_no_upstream(make_gateway, upstreams, host, path):
    before = sum(len(s.seen) for s in upstreams.values())
    assert_problem(send(make_gateway(), "GET", path, host=host), 404, "no_such_service")
    assert sum(len(s.seen) for s in upstreams.values()) == before


def test_a_method_the_gateway_does_not_route_is_a_405_problem_under_api_and_a_page_elsewhere(make_gateway):
    app = make_gateway()
    response = send(app, "TRACE", "/api/billing/summary")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    page = send(app, "TRACE", "/login")
    assert page.status_code == 405 and page.mimetype == "text/html"


def test_a_body_over_the_gateways_cap_is_a_413_problem(make_gateway):
    app = make_gateway()
    app.config["MAX_CONTENT_LENGTH"] = 1024  # the real cap is 52 MB; the rule is the same
    response = send(app, "POST", "/api/identity/customer/sessions", data=b"x" * 2048,
                    headers={"Content-Type": "application/json"})
    assert_problem(response, 413, "payload_too_large")


def test_a_uri_over_the_limit_is_a_414_problem_under_api_and_a_page_elsewhere(make_gateway, upstreams):
    app = make_gateway()
    marker = uuid.uuid4().hex
    long_query = f"?q={marker}" + "a" * MAX_URI_BYTES
    assert_problem(send(app, "GET", "/api/identity/staff/contacts" + long_query), 414, "uri_too_long")
    page = send(app, "GET", "/login" + long_query)
    assert page.status_code == 414 and page.mimetype == "text/html"
    assert not any(marker in r["query"] for s in upstreams.values() for r in s.seen)


def test_a_uri_just_under_the_limit_is_forwarded(make_gateway):
    path = "/api/billing/x?q="
    response = send(make_gateway(), "GET", path + "a" * (MAX_URI_BYTES - len(path)))
    assert response.status_code == 200
    assert response.get_json()["server"] == "billing"


def test_over_real_http_a_long_uri_is_answered_by_the_app_not_by_the_http_server(make_gateway, serve):
    # werkzeug's server accepts long lines as gunicorn does up to its 8190-byte limit.
    base = serve(make_gateway())
    response = requests.get(f"{base}/api/billing/summary?q=" + "a" * 6000, headers={"Host": DEMO}, timeout=5)
    assert response.status_code == 414
    assert response.headers["Content-Type"] == PROBLEM_JSON


def test_dot_segments_under_api_are_a_400_problem(make_gateway):
    assert_problem(send(make_gateway(), "GET", "/api/identity/staff/%2E%2E/customer/x"), 400, "bad_path")


def test_browser_paths_keep_their_html_pages(make_gateway):
    app = make_gateway()
    for host, path in [("nosuch.localhost:8080", "/"), (BARE, "/")]:
        response = send(app, "GET", path, host=host)
        assert response.status_code == 404 and response.mimetype == "text/html"
