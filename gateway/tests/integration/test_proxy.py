"""Requests through the real gateway to real HTTP upstreams: routing, identity, request ids, errors."""
from __future__ import annotations

import json
import uuid

import pytest
import requests

from portal_shared.identity_token import HEADER, InvalidIdentityToken, sign_identity, verify_identity

pytestmark = pytest.mark.integration

DEMO = "demo.localhost:8080"
BARE = "localhost:8080"


def get(app, path: str, host: str = DEMO, **kwargs):
    return app.test_client().get(path, headers={"Host": host, **kwargs.pop("headers", {})}, **kwargs)


# -- routing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/anything", "/deep/er/path.html", "/apis/x", "/static/css/portal.css"])
def test_a_branch_host_sends_every_non_service_path_to_portal_web_with_the_path_intact(make_gateway, path):
    response = get(make_gateway(), path)
    assert response.status_code == 200
    echo = response.get_json()
    assert (echo["server"], echo["method"], echo["path"]) == ("portal-web", "GET", path)


def test_a_service_api_path_goes_to_that_service_without_the_prefix_and_keeps_its_query(make_gateway):
    response = get(make_gateway(), "/api/billing/invoices?x=1&status=open")
    echo = response.get_json()
    assert (echo["server"], echo["path"], echo["query"]) == ("billing", "/invoices", "x=1&status=open")


@pytest.mark.parametrize("service", ["identity", "portal-config", "billing", "proposals", "requests", "visits",
                                     "notifications"])
def test_each_service_is_reachable_under_api_by_its_name(make_gateway, service):
    assert get(make_gateway(), f"/api/{service}/things/1").get_json()["server"] == service


def test_a_path_with_encoded_reserved_characters_reaches_the_upstream_as_the_same_path(make_gateway):
    # %3F is a question mark inside the path: it must not turn into a query string upstream.
    echo = get(make_gateway(), "/files/report%3Fdraft%23v2.pdf?download=1").get_json()
    assert (echo["path"], echo["query"]) == ("/files/report?draft#v2.pdf", "download=1")


def test_the_upstream_learns_the_original_host_and_scheme(make_gateway):
    headers = get(make_gateway(), "/").get_json()["headers"]
    assert headers["x-forwarded-host"] == DEMO
    assert headers["x-forwarded-proto"] == "http"
    assert headers["host"].startswith("127.0.0.1:")


def test_the_bare_host_forwards_the_admin_api_without_any_tenant(make_gateway, secret):
    echo = get(make_gateway(), "/api/portal-config/branches", host=BARE).get_json()
    assert (echo["server"], echo["path"]) == ("portal-config", "/branches")
    claims = verify_identity(echo["headers"]["x-portal-identity"], secret)
    assert claims["kind"] == "request"
    assert "tenant_id" not in claims and "branch_id" not in claims


def test_the_bare_host_has_no_portal_of_its_own(make_gateway, upstreams):
    response = get(make_gateway(), "/", host=BARE)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Customer portal platform" in response.get_data(as_text=True)


# -- identity -----------------------------------------------------------------------------------

CLIENT_IDENTITY_HEADERS = {
    "X-Portal-Identity": "forged",
    "X-Portal-Role": "owner",
    "X-User-Id": "admin",
    "X-Tenant-Id": str(uuid.uuid4()),
    "X-Internal-Whatever": "yes",
    "Remote-User": "root",
    "X-Branch-Id": str(uuid.uuid4()),
    "X-Auth-Request-User": "root",
    "X-Forwarded-User": "root",
}


def test_identity_headers_a_client_sends_never_reach_the_upstream(make_gateway):
    headers = get(make_gateway(), "/api/billing/invoices", headers=CLIENT_IDENTITY_HEADERS).get_json()["headers"]
    for name, value in CLIENT_IDENTITY_HEADERS.items():
        assert headers.get(name.lower()) != value, name
    assert not any(k.startswith(("x-user", "x-tenant", "x-internal", "remote-user", "x-branch", "x-auth",
                                 "x-forwarded-user")) for k in headers)
    assert [k for k in headers if k.startswith("x-portal-")] == ["x-portal-identity"]


def test_other_client_headers_do_reach_the_upstream(make_gateway):
    client = make_gateway().test_client(use_cookies=False)  # else the test client replaces Cookie with its jar
    headers = client.get("/", headers={"Host": DEMO, "Accept-Language": "fr", "Cookie": "session=abc",
                                       "Authorization": "Bearer t"}).get_json()["headers"]
    assert (headers["accept-language"], headers["cookie"], headers["authorization"]) == ("fr", "session=abc",
                                                                                        "Bearer t")


def test_the_upstream_gets_a_fresh_signed_identity_naming_the_branch(make_gateway, secret, demo_branch):
    echo = get(make_gateway(), "/api/billing/invoices").get_json()
    claims = verify_identity(echo["headers"]["x-portal-identity"], secret)
    assert claims["kind"] == "request"
    assert claims["tenant_id"] == demo_branch["company_id"]
    assert claims["branch_id"] == demo_branch["branch_id"]
    assert claims["branch_slug"] == "demo"
    assert claims["company_name"] == demo_branch["company_name"]
    assert claims["time_zone"] == demo_branch["time_zone"]
    assert claims["request_id"] == echo["headers"]["x-request-id"]
    assert 0 < claims["exp"] - claims["iat"] <= 300


def test_a_forged_token_even_one_signed_with_the_real_secret_is_replaced(make_gateway, secret, demo_branch):
    other_tenant = str(uuid.uuid4())
    forged = sign_identity({"kind": "request", "tenant_id": other_tenant, "user_id": "someone-else"}, secret)
    echo = get(make_gateway(), "/api/billing/invoices", headers={HEADER: forged}).get_json()
    token = echo["headers"]["x-portal-identity"]
    assert token != forged
    claims = verify_identity(token, secret)
    assert claims["tenant_id"] == demo_branch["company_id"]
    assert "user_id" not in claims


def test_the_identity_token_is_not_valid_under_another_secret(make_gateway):
    token = get(make_gateway(), "/").get_json()["headers"]["x-portal-identity"]
    with pytest.raises(InvalidIdentityToken):
        verify_identity(token, "some-other-secret-0123456789-abcdefghijkl")


# -- request ids ------------------------------------------------------------------------------

def test_a_client_request_id_is_forwarded_and_echoed(make_gateway):
    response = get(make_gateway(), "/", headers={"X-Request-ID": "support-ticket-42"})
    assert response.get_json()["headers"]["x-request-id"] == "support-ticket-42"
    assert response.headers["X-Request-ID"] == "support-ticket-42"


def test_without_a_client_request_id_a_generated_one_is_forwarded_and_echoed(make_gateway):
    first, second = get(make_gateway(), "/"), get(make_gateway(), "/")
    forwarded = first.get_json()["headers"]["x-request-id"]
    assert forwarded and first.headers["X-Request-ID"] == forwarded
    assert uuid.UUID(forwarded)
    assert second.headers["X-Request-ID"] != forwarded


@pytest.mark.parametrize("bad", ["has spaces", "line\nbreak", "trailing-newline\n", "tab\there", "x" * 101,
                                 "<script>"])
def test_a_request_id_that_is_not_a_plain_token_is_replaced(make_gateway, bad):
    response = make_gateway().test_client().get("/", headers={"Host": DEMO},
                                                environ_overrides={"HTTP_X_REQUEST_ID": bad})
    forwarded = response.get_json()["headers"]["x-request-id"]
    assert forwarded != bad and bad not in forwarded
    assert uuid.UUID(forwarded)
    assert response.headers["X-Request-ID"] == forwarded


# -- not ours, not enabled --------------------------------------------------------------------

@pytest.mark.parametrize("host", ["demo.example.com", "a.demo.localhost:8080", "demo.localhost:9999"])
def test_a_host_we_do_not_serve_gets_a_404_page_and_nothing_is_forwarded(make_gateway, upstreams, host):
    marker = f"/probe-{uuid.uuid4().hex}"
    response = get(make_gateway(), marker, host=host)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "No portal here" in response.get_data(as_text=True)
    assert not any(r["path"] == marker for s in upstreams.values() for r in s.seen)


def test_an_unknown_branch_slug_gets_a_404_page(make_gateway):
    response = get(make_gateway(), "/", host="nosuch.localhost:8080")
    assert response.status_code == 404
    assert "No portal here" in response.get_data(as_text=True)


def test_a_disabled_branch_gets_a_403_page_saying_its_portal_is_not_enabled(make_gateway, upstreams):
    marker = f"/probe-{uuid.uuid4().hex}"
    response = get(make_gateway(), marker, host="closed.localhost:8080")
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "not enabled" in page
    assert "Blue Sky Pools" in page and "South Branch" in page
    assert not any(r["path"] == marker for s in upstreams.values() for r in s.seen)


def test_a_disabled_branchs_api_answers_403_problem_json_and_forwards_nothing(make_gateway, upstreams):
    marker = f"/api/billing/probe-{uuid.uuid4().hex}"
    response = get(make_gateway(), marker, host="closed.localhost:8080")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert (body["status"], body["code"]) == (403, "portal_not_enabled")
    assert "Blue Sky Pools" in body["detail"]
    assert not any(r["path"].endswith(marker.rsplit("/", 1)[1]) for r in upstreams["billing"].seen)


def test_a_page_escapes_a_company_name_with_markup(make_gateway, make_branch):
    branch = make_branch(slug="shady", company_name="<script>alert(1)</script>", enabled=False)
    page = get(make_gateway(branches=[branch]), "/", host="shady.localhost:8080").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


# -- upstream failures --------------------------------------------------------------------------

def test_an_upstream_slower_than_the_read_timeout_answers_504_upstream_timeout(make_gateway, start_upstream):
    slow = start_upstream("slow-billing", delay=2.0)
    response = get(make_gateway(read_timeout=0.5, billing=[slow.url]), "/api/billing/invoices",
                   headers={"X-Request-ID": "slow-1"})
    assert response.status_code == 504
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert (problem["code"], problem["status"], problem["request_id"]) == ("upstream_timeout", 504, "slow-1")
    assert response.headers["X-Request-ID"] == "slow-1"


def test_an_upstream_that_is_down_answers_503_upstream_unavailable_with_retry_after(make_gateway, down_url):
    response = get(make_gateway(billing=[down_url]), "/api/billing/invoices")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "upstream_unavailable"
    assert int(response.headers["Retry-After"]) > 0


# -- pass-through -------------------------------------------------------------------------------

def test_a_post_body_reaches_the_upstream_and_its_status_and_headers_come_back(make_gateway):
    payload = {"amount_cents": 12500, "memo": "Spring clean-up ✓"}
    response = make_gateway().test_client().post(
        "/api/billing/invoices?draft=1", data=json.dumps(payload), content_type="application/json",
        headers={"Host": DEMO, "X-Echo-Status": "201", "X-Echo-Location": "/api/billing/invoices/42"})
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/billing/invoices/42"
    assert response.headers["X-Upstream"] == "billing"
    assert response.headers.getlist("Set-Cookie") == ["first=1; Path=/", "second=2; Path=/"]
    echo = response.get_json()
    assert (echo["method"], echo["path"], echo["query"]) == ("POST", "/invoices", "draft=1")
    assert json.loads(echo["body"]) == payload
    assert echo["headers"]["content-type"] == "application/json"
    assert int(echo["headers"]["content-length"]) == len(json.dumps(payload).encode())


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_other_methods_pass_through_with_their_bodies(make_gateway, method):
    response = make_gateway().test_client().open("/api/requests/items/9", method=method, data=b"abc",
                                                 headers={"Host": DEMO})
    echo = response.get_json()
    assert (echo["method"], echo["path"], echo["body"]) == (method, "/items/9", "abc")


def test_an_upstream_error_status_passes_through_unchanged(make_gateway):
    response = get(make_gateway(), "/api/visits/nope", headers={"X-Echo-Status": "404"})
    assert response.status_code == 404
    assert response.get_json()["server"] == "visits"


def test_a_response_streams_through_the_running_gateway_before_the_upstream_finishes(make_gateway, serve,
                                                                                  upstreams):
    base = serve(make_gateway())
    portal_web = upstreams["portal-web"]
    portal_web.release.clear()
    try:
        with requests.get(f"{base}/live/stream", headers={"Host": DEMO}, stream=True, timeout=5) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(lines) == b"first"  # arrives while the upstream is still holding the rest
            assert not portal_web.release.is_set()
            portal_web.release.set()
            assert next(lines) == b"second"
    finally:
        portal_web.release.set()


def test_the_running_gateway_strips_identity_headers_sent_over_the_wire(make_gateway, serve, secret, demo_branch):
    base = serve(make_gateway())
    response = requests.get(f"{base}/api/billing/x", timeout=5,
                            headers={"Host": DEMO, "X-Portal-Identity": "forged", "X-User-Id": "1",
                                     "X-Request-ID": "wire-1"})
    echo = response.json()
    assert "x-user-id" not in echo["headers"]
    assert verify_identity(echo["headers"]["x-portal-identity"], secret)["branch_id"] == demo_branch["branch_id"]
    assert response.headers["X-Request-ID"] == echo["headers"]["x-request-id"] == "wire-1"


@pytest.mark.parametrize("path, service", [("/staff/settings", "portal-web"), ("/static/css/portal.css", "portal-web"),
                                           ("/api/portal-config/branches/x/settings", "portal-config"),
                                           ("/api/identity/staff/sessions", "identity")])
def test_a_disabled_branch_stays_open_to_its_staff_console_so_they_can_turn_it_back_on(make_gateway, path, service):
    response = get(make_gateway(), path, host="closed.localhost:8080")
    assert response.status_code == 200
    assert response.get_json()["server"] == service


@pytest.mark.parametrize("path", ["/", "/login", "/api/identity/customer/sessions", "/api/billing/summary"])
def test_a_disabled_branch_stays_closed_to_customer_pages_and_apis(make_gateway, path):
    assert get(make_gateway(), path, host="closed.localhost:8080").status_code == 403


@pytest.mark.parametrize("path", ["/static/../login", "/static/%2e%2e/login", "/api/identity/staff/%2E%2E/customer/x",
                                  "/staff/./x"])
def test_dot_segments_are_refused_so_they_cannot_walk_past_the_disabled_portal_check(make_gateway, path, upstreams):
    before = sum(len(s.seen) for s in upstreams.values())
    response = get(make_gateway(), path, host="closed.localhost:8080")
    assert response.status_code == 400
    assert sum(len(s.seen) for s in upstreams.values()) == before


def test_a_cookie_one_user_received_never_rides_along_on_another_users_request(make_gateway, upstreams):
    """The pooled upstream connection must not remember Set-Cookie answers (it once did, and an
    anonymous visitor's request then carried the previous visitor's session cookie)."""
    app = make_gateway()
    first = app.test_client(use_cookies=False)
    assert "set-cookie" in {k.lower() for k in get_raw(first, "/sign-in-somewhere").headers.keys()}
    second = app.test_client(use_cookies=False)
    get_raw(second, "/who-am-i")
    record = next(r for r in reversed(upstreams["portal-web"].seen) if r["path"] == "/who-am-i")
    assert "cookie" not in record["headers"]


def get_raw(client, path: str):
    return client.get(path, headers={"Host": DEMO})
