"""The probes of issue 7 part 6, sent to the real gateway in front of real HTTP upstreams: operator
endpoints, services' own probes, redirects that named internal addresses, safety headers and
cross-site writes. Every refusal is problem+json."""
from __future__ import annotations

import re
import uuid

import pytest
from flask import Flask

pytestmark = pytest.mark.integration

DEMO = "demo.localhost:8080"
BARE = "localhost:8080"
PROBLEM = "application/problem+json"


def send(app, method: str, path: str, host: str = DEMO, **kwargs):
    return app.test_client().open(path, method=method, headers={"Host": host, **kwargs.pop("headers", {})},
                                  **kwargs)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def forwarded(upstreams, marker: str) -> bool:
    return any(marker in r["path"] for s in upstreams.values() for r in s.seen)


# -- the operator's endpoints on the public port -------------------------------------------------

@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token", "gateway-test-operator-token-0123456789abcdef",
                                           "Basic gateway-test-operator-token-0123456789abcdef"])
def test_readiness_and_metrics_on_the_bare_host_need_the_operator_token(make_gateway, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = send(make_gateway(), "GET", path, host=BARE, headers=headers)
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "127.0.0.1" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
def test_with_the_operator_token_the_bare_host_answers_them(make_gateway, operator, path):
    response = send(make_gateway(), "GET", path, host=BARE, headers=operator)
    assert response.status_code in (200, 503)  # 503: no event feed in these tests; the point is it answers
    assert response.mimetype != PROBLEM


def test_a_gateway_without_an_operator_token_opens_them_to_nobody(make_gateway, operator):
    app = make_gateway()
    app.config["OPERATOR_TOKEN"] = None
    assert_problem(send(app, "GET", "/readyz", host=BARE, headers=operator), 401, "unauthenticated")


@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
def test_on_a_branch_host_they_do_not_exist_even_with_the_token(make_gateway, upstreams, operator, path):
    before = len(upstreams["portal-web"].seen)
    assert_problem(send(make_gateway(), "GET", path, headers=operator), 404, "not_found")
    assert len(upstreams["portal-web"].seen) == before  # portal-web's own /readyz stays inside too


# -- services' own probes and metrics are never proxied ------------------------------------------

@pytest.mark.parametrize("host", [DEMO, BARE])
@pytest.mark.parametrize("service", ["identity", "portal-config", "billing", "notifications"])
@pytest.mark.parametrize("endpoint", ["metrics", "readyz", "healthz", "readyz/", "metrics/x"])
def test_a_services_metrics_and_probes_are_not_reachable_through_the_gateway(make_gateway, upstreams, operator,
                                                                           host, service, endpoint):
    before = len(upstreams[service].seen)
    response = send(make_gateway(), "GET", f"/api/{service}/{endpoint}", host=host, headers=operator)
    assert_problem(response, 404, "not_found")
    assert len(upstreams[service].seen) == before


def test_a_services_openapi_document_stays_reachable(make_gateway):
    echo = send(make_gateway(), "GET", "/api/billing/openapi.json").get_json()
    assert (echo["server"], echo["path"]) == ("billing", "/openapi.json")


# -- redirects never name an internal address ------------------------------------------------------

def test_a_trailing_slash_redirect_from_portal_web_stays_on_the_public_host(make_gateway, start_upstream):
    """The probe: /staff answered `Location: http://127.0.0.1:8108/staff/`."""
    web = Flask("slashes")
    web.add_url_rule("/staff/", "staff", lambda: "console")
    upstream = start_upstream("portal-web-slashes", app=web)
    response = send(make_gateway(portal_web=[upstream.url]), "GET", "/staff?tab=1")
    assert response.status_code in (301, 308)
    assert response.headers["Location"] == "/staff/?tab=1"


@pytest.mark.parametrize("service, upstream_path, public", [
    ("portal-web", "/login?next=%2F#top", "/login?next=%2F#top"),
    ("billing", "/invoices/", "/api/billing/invoices/"),
    ("identity", "", "/api/identity/"),
])
def test_an_internal_location_becomes_a_path_under_the_services_public_mount(make_gateway, upstreams, service,
                                                                            upstream_path, public):
    location = upstreams[service].url + upstream_path
    path = "/x" if service == "portal-web" else f"/api/{service}/x"
    response = send(make_gateway(), "GET", path, headers={"X-Echo-Status": "303", "X-Echo-Location": location})
    assert response.headers["Location"] == public


def test_an_address_of_another_instance_of_any_service_is_rewritten_too(make_gateway, start_upstream, upstreams):
    other = start_upstream("billing-b")
    response = send(make_gateway(billing=[upstreams["billing"].url, other.url]), "GET", "/api/billing/x",
                    headers={"X-Echo-Status": "302", "X-Echo-Location": f"{other.url}/y"})
    assert response.headers["Location"] == "/api/billing/y"


@pytest.mark.parametrize("service, location, public", [
    ("identity", "/staff/invitation-batches/7?x=1", "/api/identity/staff/invitation-batches/7?x=1"),
    ("identity", "/api/identity/staff/invitation-batches/7", "/api/identity/staff/invitation-batches/7"),
    ("identity", "batches/7", "batches/7"),
    ("portal-web", "/staff/", "/staff/"),
])
def test_a_services_root_relative_location_is_put_under_its_public_mount(make_gateway, service, location, public):
    path = "/x" if service == "portal-web" else f"/api/{service}/x"
    response = send(make_gateway(), "GET", path, headers={"X-Echo-Status": "202", "X-Echo-Location": location})
    assert response.headers["Location"] == public


@pytest.mark.parametrize("location", ["https://pay.example.com/hosted?x=1", "/api/billing/invoices/42",
                                      "http://demo-west.localhost:8080/staff/login"])
def test_a_location_that_names_no_internal_address_passes_unchanged(make_gateway, location):
    response = send(make_gateway(), "GET", "/x", headers={"X-Echo-Status": "302", "X-Echo-Location": location})
    assert response.headers["Location"] == location


def test_no_answer_names_the_server_software(make_gateway):
    response = send(make_gateway(), "GET", "/anything")  # the echo servers are werkzeug: they send Server
    assert "Server" not in response.headers


# -- safety headers --------------------------------------------------------------------------------

def test_the_gateways_own_page_has_a_policy_without_inline_script_and_a_nonce_for_its_style(make_gateway):
    response = send(make_gateway(), "GET", "/", host="nosuch.localhost:8080")
    assert response.status_code == 404 and response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    page = response.get_data(as_text=True)
    assert f'<style nonce="{nonce}">' in page and "<script" not in page
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert send(make_gateway(), "GET", "/", host="nosuch.localhost:8080").headers["Content-Security-Policy"] != policy


def test_proxied_json_and_the_gateways_problems_carry_nosniff(make_gateway):
    app = make_gateway()
    assert send(app, "GET", "/api/billing/x").headers["X-Content-Type-Options"] == "nosniff"
    assert send(app, "GET", "/a/../b").headers["X-Content-Type-Options"] == "nosniff"


def test_html_from_an_upstream_without_a_policy_gets_the_strict_one(make_gateway, start_upstream):
    web = Flask("bare-html")
    web.add_url_rule("/", "home", lambda: "<p>hello</p>")
    upstream = start_upstream("portal-web-html", app=web)
    response = send(make_gateway(portal_web=[upstream.url]), "GET", "/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


# -- cross-site writes with the session cookie -----------------------------------------------------

@pytest.mark.parametrize("fetch_headers", [{"Sec-Fetch-Site": "cross-site"},
                                           {"Sec-Fetch-Site": "same-site"},  # another company's portal
                                           {"Origin": "https://evil.example"},
                                           {"Origin": "http://demo-west.localhost:8080"}])
def test_a_cross_site_upload_with_the_session_cookie_is_refused(make_gateway, upstreams, fetch_headers):
    marker = f"assets-{uuid.uuid4().hex}"
    client = make_gateway().test_client()
    client.set_cookie("portal_session", "whatever", domain="demo.localhost")
    response = client.post(f"/api/portal-config/branches/b/{marker}", headers={"Host": DEMO, **fetch_headers},
                           data={"kind": "nav_logo"}, content_type="multipart/form-data")
    assert_problem(response, 403, "cross_site_request")
    assert not forwarded(upstreams, marker)


@pytest.mark.parametrize("fetch_headers, cookie", [
    ({"Sec-Fetch-Site": "same-origin", "Origin": f"http://{DEMO}"}, True),   # the portal's own page
    ({"Origin": f"http://{DEMO}"}, True),                                    # an older browser, same origin
    ({}, True),                                                              # not a browser
    ({"Sec-Fetch-Site": "cross-site"}, False),                               # no cookie: nothing to ride on
])
def test_same_origin_writes_and_writes_without_the_cookie_pass(make_gateway, upstreams, fetch_headers, cookie):
    marker = f"assets-{uuid.uuid4().hex}"
    client = make_gateway().test_client()
    if cookie:
        client.set_cookie("portal_session", "whatever", domain="demo.localhost")
    response = client.post(f"/api/portal-config/{marker}", headers={"Host": DEMO, **fetch_headers},
                           data={"kind": "nav_logo"})
    assert response.status_code == 200
    assert forwarded(upstreams, marker)


def test_a_cross_site_read_is_not_a_write(make_gateway):
    client = make_gateway().test_client()
    client.set_cookie("portal_session", "whatever", domain="demo.localhost")
    response = client.get("/api/billing/summary", headers={"Host": DEMO, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 200
