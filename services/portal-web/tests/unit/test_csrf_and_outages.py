"""Forms without a valid CSRF token, and identity being down or failing: pages, not stack traces."""
from __future__ import annotations

import socket
import time

import pytest

from portal_shared.sessions import COOKIE_NAME

EXPIRED = "This form has expired. Reload the page and try again."


@pytest.mark.parametrize("path", ["/login", "/logout", "/forgot-password", "/profile", "/profile/password",
                                  "/invitation/invite-token-ok", "/staff/login", "/staff/invite"])
def test_a_post_without_a_token_is_refused_with_a_page(client, as_customer, identity, path):
    response = client.post(path, data={"email": "pat@example.com", "password": "correct horse battery"},
                           headers=as_customer)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert EXPIRED in response.get_data(as_text=True)
    assert identity.calls == []


def test_a_token_from_another_browser_is_refused(client, app, anonymous, csrf_from, identity):
    other_browser = app.test_client()
    token = csrf_from(other_browser.get("/login", headers=anonymous).get_data(as_text=True))
    client.get("/login", headers=anonymous)
    response = client.post("/login", data={"csrf_token": token, "email": "pat@example.com",
                                           "password": "correct horse battery"}, headers=anonymous)
    assert response.status_code == 400
    assert EXPIRED in response.get_data(as_text=True)
    assert not identity.called("POST", "/customer/sessions")


def test_an_expired_token_is_refused(app, client, anonymous, csrf_from):
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    token = csrf_from(client.get("/login", headers=anonymous).get_data(as_text=True))
    time.sleep(2.1)
    response = client.post("/login", data={"csrf_token": token, "email": "a@b.c", "password": "x"}, headers=anonymous)
    assert response.status_code == 400 and EXPIRED in response.get_data(as_text=True)


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens once the socket is closed


@pytest.mark.parametrize("method, path, who", [("GET", "/", "as_customer"), ("GET", "/invitation/abc", "anonymous"),
                                               ("POST", "/login", "anonymous"), ("GET", "/staff/", "as_staff")])
def test_identity_down_shows_a_friendly_503_page(make_app, request, csrf_from, method, path, who):
    client = make_app(_closed_port_url()).test_client()
    headers = request.getfixturevalue(who)
    if method == "GET":
        response = client.get(path, headers=headers)
    else:
        token = csrf_from(client.get(path, headers=headers).get_data(as_text=True))
        response = client.post(path, headers=headers, data={"csrf_token": token, "email": "pat@example.com",
                                                             "password": "correct horse battery"})
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert response.headers["Retry-After"] == "5"
    assert "We can&#39;t reach our sign-in service right now." in response.get_data(as_text=True)


def test_a_get_is_retried_through_passing_failures(client, as_customer, identity):
    identity.fail("GET", "/customer/me", 503, 502)
    response = client.get("/", headers=as_customer)
    assert response.status_code == 200 and "Welcome, Pat" in response.get_data(as_text=True)
    assert len(identity.called("GET", "/customer/me")) == 3


def test_a_get_that_keeps_failing_ends_on_the_503_page(client, as_customer, identity):
    identity.fail("GET", "/customer/me", 503, 503, 503, 503)
    response = client.get("/", headers=as_customer)
    assert response.status_code == 503
    assert len(identity.called("GET", "/customer/me")) == 3


def test_a_post_is_never_retried(client, submit, anonymous, identity):
    identity.fail("POST", "/customer/sessions", 503)
    response = submit("/login", {"email": "pat@example.com", "password": "correct horse battery"}, anonymous)
    assert response.status_code == 503
    assert len(identity.called("POST", "/customer/sessions")) == 1
    assert COOKIE_NAME not in " ".join(response.headers.getlist("Set-Cookie"))


def test_a_client_error_of_identity_is_not_retried(client, as_customer, identity):
    identity.fail("GET", "/customer/me", 404)
    response = client.get("/", headers=as_customer)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert len(identity.called("GET", "/customer/me")) == 1


def test_signing_out_while_identity_is_down_still_forgets_the_cookie(make_app, as_customer, csrf_from, identity):
    client = make_app(_closed_port_url()).test_client()
    client.set_cookie(COOKIE_NAME, "sess-current", domain="localhost")
    page = client.get("/profile/password", headers=as_customer)  # renders without calling identity
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token}, headers=as_customer)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Expires=Thu, 01 Jan 1970" in [h for h in response.headers.getlist("Set-Cookie")
                                          if h.startswith(COOKIE_NAME)][0]


def test_unknown_pages_in_a_portal_get_a_page(client, anonymous):
    response = client.get("/no-such-page", headers=anonymous)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "There is no page at this address." in response.get_data(as_text=True)
