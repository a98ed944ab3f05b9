"""The identity adapter on its own: where it connects, what it sends, how answers become errors."""
from __future__ import annotations

import pytest

from portal_shared.identity_token import HEADER
from portal_web.adapters.identity import IdentityClient, IdentityError, IdentityUnavailable
from portal_web.config import WebSettings, first_upstream
from portal_web.entrypoints import staff


@pytest.mark.parametrize("raw, expected", [
    (None, "http://127.0.0.1:8101"),
    ("", "http://127.0.0.1:8101"),
    ("http://identity:8000", "http://identity:8000"),
    (" http://127.0.0.1:8101/ , http://127.0.0.1:8111", "http://127.0.0.1:8101"),
    ("http+dns://identity:8000", "http://identity:8000"),
])
def test_the_base_url_is_the_first_upstream_entry(raw, expected):
    assert first_upstream(raw, "http://127.0.0.1:8101") == expected


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("UPSTREAM_IDENTITY", "http://a:1,http://b:2")
    monkeypatch.setenv("PORTAL_WEB_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("PORTAL_SCHEME", "https")
    settings = WebSettings.from_env()
    assert settings.identity_url == "http://a:1"
    assert settings.secret_key == "from-the-environment"
    assert settings.secure_cookies
    assert (settings.identity_connect_timeout, settings.identity_read_timeout) == (2.0, 10.0)


def test_the_app_uses_the_secret_key_from_the_environment(make_app):
    assert make_app(PORTAL_WEB_SECRET_KEY="another-secret-key").config["SECRET_KEY"] == "another-secret-key"


def test_get_calls_forward_the_identity_token_and_request_id(client, as_customer, identity):
    client.get("/", headers={**as_customer, "X-Request-ID": "req-7"})
    [call] = identity.called("GET", "/customer/me")
    assert call["headers"][HEADER] == as_customer[HEADER]
    assert call["headers"]["X-Request-Id"] == "req-7"


def test_problem_answers_become_identity_errors(app, identity, anonymous):
    client = IdentityClient(identity.url)
    with app.test_request_context("/", headers=anonymous):
        with pytest.raises(IdentityError) as raised:
            client.customer_sign_in("pat@example.com", "wrong")
        assert (raised.value.status, raised.value.code) == (401, "invalid_credentials")
        with pytest.raises(IdentityError) as raised:
            client.invitation("../../customer/me")  # the token stays one encoded path segment
        assert raised.value.status == 404  # no such invitation route: it did not climb to /customer/me
        assert not identity.called("GET", "/customer/me")


def test_field_errors_are_kept(app, identity, as_customer):
    client = IdentityClient(identity.url)
    with app.test_request_context("/", headers=as_customer):
        with pytest.raises(IdentityError) as raised:
            client.update_customer_me(email="nope")
    assert raised.value.status == 422
    assert raised.value.errors == {"email": ["Enter a valid email"]}


def test_server_errors_mean_unavailable(app, identity, as_customer):
    identity.fail("PATCH", "/customer/me", 500)
    with app.test_request_context("/", headers=as_customer):
        with pytest.raises(IdentityUnavailable):
            IdentityClient(identity.url).update_customer_me(first_name="Pat")


def test_the_list_answer_carries_its_pagination(app, identity, as_staff):
    with app.test_request_context("/", headers=as_staff):
        page = IdentityClient(identity.url).staff_contacts(verified=False, page=1, page_size=1)
    assert [c["contact_id"] for c in page.items] == ["c-2"]
    assert page.pagination == {"total": 2, "total_pages": 2, "first_page": 1, "last_page": 2, "page": 1,
                               "next_page": 2}


def test_the_invite_page_looks_up_just_the_selected_contacts(client, as_staff, identity, monkeypatch):
    html = client.get("/staff/invite?contact=c-3&contact=c-404", headers=as_staff).get_data(as_text=True)
    assert "Email for Kim Wu" in html
    assert "1 selected contact could not be found in this branch" in html
    [lookup] = identity.called("GET", "/staff/contacts")  # one call, asking for those ids only
    assert lookup["args"]["contact_id"] == ["c-3", "c-404"] and lookup["args"]["page_size"] == ["2"]

    identity.calls.clear()
    monkeypatch.setattr(staff, "LOOKUP_BATCH", 1)
    html = client.get("/staff/invite?contact=c-3&contact=c-404&contact=c-2", headers=as_staff).get_data(as_text=True)
    assert "Email for Kim Wu" in html and "Email for Ola Diaz" in html
    assert "1 selected contact could not be found in this branch" in html
    assert [c["args"]["contact_id"] for c in identity.called("GET", "/staff/contacts")] == [["c-3"], ["c-404"],
                                                                                            ["c-2"]]
