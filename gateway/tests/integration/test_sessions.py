"""Who is signed in: the gateway reads the `portal_session` cookie from the real Redis and signs
the account into the identity token only for a live session of this tenant and branch."""
from __future__ import annotations

import logging
import time
import uuid

import pytest
import requests

from portal_shared.identity_token import HEADER, sign_identity, verify_identity
from portal_shared.sessions import COOKIE_NAME

pytestmark = pytest.mark.integration

DEMO = "demo.localhost:8080"
BARE = "localhost:8080"
ACCOUNT_CLAIMS = ("account_kind", "account_id", "session_tenant_id")


def through(app, cookie: str | None = None, host: str = DEMO, path: str = "/api/identity/customer/me",
            headers: dict | None = None, **kwargs):
    """One GET through the gateway; returns (response, claims of the token the upstream received)."""
    sent = {"Host": host, **(headers or {})}
    if cookie is not None:
        sent["Cookie"] = f"theme=dark; {COOKIE_NAME}={cookie}"
    response = app.test_client(use_cookies=False).get(path, headers=sent, **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    echo = response.get_json()
    return response, verify_identity(echo["headers"]["x-portal-identity"], app.config["INTERNAL_TOKEN_SECRET"])


def customer_session(store, branch: dict, **overrides) -> tuple[str, str]:
    """(cookie value, contact id) of a new customer session on `branch`."""
    contact_id = str(uuid.uuid4())
    values = dict(kind="customer", account_id=contact_id, tenant_id=branch["company_id"],
                  branch_id=branch["branch_id"])
    values.update(overrides)
    return store.create(**values), contact_id


@pytest.fixture
def session_log():
    """What the session adapter logs at WARNING or above (event dicts)."""
    records: list = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.msg if isinstance(record.msg, dict) else {"event": record.getMessage()})

    logger = logging.getLogger("portal_gateway.adapters.sessions")
    handler = Keep(level=logging.WARNING)
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


# -- a live session here signs the account in -------------------------------------------------------

def test_a_live_customer_session_of_the_branch_s_tenant_adds_the_account_to_the_token(make_gateway, session_store,
                                                                                      demo_branch):
    cookie, contact_id = customer_session(session_store, demo_branch)
    _, claims = through(make_gateway(), cookie)
    assert claims["account_kind"] == "customer"
    assert claims["account_id"] == contact_id
    assert claims["session_tenant_id"] == demo_branch["company_id"]
    assert (claims["tenant_id"], claims["branch_id"]) == (demo_branch["company_id"], demo_branch["branch_id"])


def test_the_account_reaches_portal_web_pages_too_and_the_cookie_passes_through_unchanged(make_gateway,
                                                                                         session_store,
                                                                                         demo_branch):
    cookie, contact_id = customer_session(session_store, demo_branch)
    response, claims = through(make_gateway(), cookie, path="/account")
    echo = response.get_json()
    assert (echo["server"], claims["account_id"]) == ("portal-web", contact_id)
    assert echo["headers"]["cookie"] == f"theme=dark; {COOKIE_NAME}={cookie}"


def test_a_staff_session_for_the_whole_tenant_counts_on_every_branch_of_that_tenant(make_gateway, session_store,
                                                                                   demo_branch, make_branch):
    west = make_branch(slug="demo-west", company_id=demo_branch["company_id"], name="West Branch")
    staff_id = str(uuid.uuid4())
    cookie = session_store.create(kind="staff", account_id=staff_id, tenant_id=demo_branch["company_id"])
    app = make_gateway(branches=[demo_branch, west])
    for host in (DEMO, "demo-west.localhost:8080"):
        _, claims = through(app, cookie, host=host)
        assert (claims["account_kind"], claims["account_id"]) == ("staff", staff_id), host


def test_each_request_renews_the_session_s_idle_timeout(make_gateway, session_store, demo_branch):
    cookie, _ = customer_session(session_store, demo_branch)
    key = next(session_store.client.scan_iter(match=f"{session_store.namespace}:session:*"))
    session_store.client.expire(key, 30)
    through(make_gateway(), cookie)
    assert session_store.client.ttl(key) > 30


# -- anything else is anonymous ------------------------------------------------------------------------

def _unknown(store, demo_branch, make_branch):
    customer_session(store, demo_branch)  # a live session exists, just not this one
    return "not-a-session-" + uuid.uuid4().hex


def _revoked(store, demo_branch, make_branch):
    cookie, contact_id = customer_session(store, demo_branch)
    assert store.revoke_all(kind="customer", account_id=contact_id) == 1
    return cookie


def _logged_out(store, demo_branch, make_branch):
    cookie, _ = customer_session(store, demo_branch)
    store.delete(cookie)
    return cookie


def _other_tenant(store, demo_branch, make_branch):
    other = make_branch()
    return customer_session(store, other)[0]


def _other_tenant_same_branch_id(store, demo_branch, make_branch):
    # A record naming this branch's id but another tenant: the tenant must match as well.
    return customer_session(store, demo_branch, tenant_id=str(uuid.uuid4()))[0]


def _other_branch_of_the_same_tenant(store, demo_branch, make_branch):
    return customer_session(store, demo_branch, branch_id=str(uuid.uuid4()))[0]


def _empty(store, demo_branch, make_branch):
    return ""


def _over_long(store, demo_branch, make_branch):
    return "x" * 5000


@pytest.mark.parametrize("make_cookie", [_unknown, _revoked, _logged_out, _other_tenant, _other_tenant_same_branch_id,
                                         _other_branch_of_the_same_tenant, _empty, _over_long],
                         ids=lambda f: f.__name__.strip("_"))
def test_a_cookie_that_names_no_live_session_of_this_tenant_and_branch_goes_on_anonymous(
        make_gateway, session_store, demo_branch, make_branch, make_cookie):
    cookie = make_cookie(session_store, demo_branch, make_branch)
    response, claims = through(make_gateway(), cookie)
    assert not any(name in claims for name in ACCOUNT_CLAIMS), claims
    assert (claims["tenant_id"], claims["branch_id"]) == (demo_branch["company_id"], demo_branch["branch_id"])
    # The gateway neither clears nor rewrites the cookie: portal-web decides what to show.
    assert f"{COOKIE_NAME}={cookie}" in response.get_json()["headers"]["cookie"]
    assert COOKIE_NAME not in " ".join(response.headers.getlist("Set-Cookie"))


def test_without_a_cookie_the_request_is_anonymous(make_gateway):
    _, claims = through(make_gateway())
    assert not any(name in claims for name in ACCOUNT_CLAIMS)


def test_the_bare_host_never_signs_a_session_in(make_gateway, session_store, demo_branch):
    cookie, _ = customer_session(session_store, demo_branch)
    _, claims = through(make_gateway(), cookie, host=BARE, path="/api/portal-config/branches")
    assert not any(name in claims for name in ACCOUNT_CLAIMS)


# -- a client cannot claim an account -------------------------------------------------------------------

def test_a_client_sent_identity_token_claiming_an_account_is_replaced(make_gateway, secret, demo_branch):
    forged = sign_identity({"kind": "request", "tenant_id": demo_branch["company_id"],
                            "branch_id": demo_branch["branch_id"], "account_kind": "staff",
                            "account_id": str(uuid.uuid4()), "session_tenant_id": demo_branch["company_id"]}, secret)
    response, claims = through(make_gateway(), headers={HEADER: forged, "X-Portal-Account-Id": "1"})
    assert response.get_json()["headers"]["x-portal-identity"] != forged
    assert not any(name in claims for name in ACCOUNT_CLAIMS)
    assert "x-portal-account-id" not in response.get_json()["headers"]


def test_with_a_forged_token_and_a_live_cookie_the_token_names_the_cookie_s_account(make_gateway, session_store,
                                                                                   secret, demo_branch):
    cookie, contact_id = customer_session(session_store, demo_branch)
    forged = sign_identity({"kind": "request", "account_kind": "staff", "account_id": "someone-else"}, secret)
    _, claims = through(make_gateway(), cookie, headers={HEADER: forged})
    assert (claims["account_kind"], claims["account_id"]) == ("customer", contact_id)


# -- client_ip ------------------------------------------------------------------------------------------

def test_client_ip_is_the_socket_address_not_a_client_sent_x_forwarded_for(make_gateway):
    _, claims = through(make_gateway(), headers={"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"},
                        environ_overrides={"REMOTE_ADDR": "198.51.100.7"})
    assert claims["client_ip"] == "198.51.100.7"


def test_client_ip_over_real_http_is_the_connecting_address(make_gateway, serve, secret):
    base = serve(make_gateway())
    response = requests.get(f"{base}/api/billing/x", timeout=5,
                            headers={"Host": DEMO, "X-Forwarded-For": "203.0.113.9, 10.0.0.1"})
    claims = verify_identity(response.json()["headers"]["x-portal-identity"], secret)
    assert claims["client_ip"] == "127.0.0.1"


def test_the_bare_host_s_token_names_the_client_ip_too(make_gateway):
    _, claims = through(make_gateway(), host=BARE, path="/api/portal-config/branches",
                        environ_overrides={"REMOTE_ADDR": "198.51.100.8"})
    assert claims["client_ip"] == "198.51.100.8"


# -- Redis down: nobody is let in, nobody gets a 500 ---------------------------------------------------

def test_when_redis_is_down_a_request_with_a_live_session_still_reaches_the_upstream_anonymous(
        make_gateway, session_store, demo_branch, closed_redis_url, session_log):
    cookie, _ = customer_session(session_store, demo_branch)  # live in the real Redis
    app = make_gateway(redis_url=closed_redis_url)
    started = time.monotonic()
    response, claims = through(app, cookie, path="/sign-in")
    assert time.monotonic() - started < 5
    assert response.get_json()["server"] == "portal-web"
    assert not any(name in claims for name in ACCOUNT_CLAIMS)
    assert claims["tenant_id"] == demo_branch["company_id"]
    assert [r["event"] for r in session_log] == ["session_store_unavailable"]
    assert cookie not in str(session_log)  # the log never carries the session id


def test_when_redis_is_down_a_request_without_a_cookie_does_not_touch_it(make_gateway, closed_redis_url,
                                                                        session_log):
    _, claims = through(make_gateway(redis_url=closed_redis_url))
    assert "account_id" not in claims
    assert session_log == []


def test_static_assets_go_out_anonymous_without_asking_the_session_store(make_gateway, session_store, upstreams,
                                                                         demo_branch):
    session_id = session_store.create(kind="customer", account_id="c-1", tenant_id=demo_branch["company_id"],
                                      branch_id=demo_branch["branch_id"])
    app = make_gateway()
    app.test_client(use_cookies=False).get("/static/css/portal.css",
                                           headers={"Host": "demo.localhost:8080", "Cookie": f"portal_session={session_id}"})
    record = next(r for r in reversed(upstreams["portal-web"].seen) if r["path"] == "/static/css/portal.css")
    from portal_shared.identity_token import HEADER, verify_identity
    assert "account_id" not in verify_identity(record["headers"][HEADER.lower()], app.config["INTERNAL_TOKEN_SECRET"])
