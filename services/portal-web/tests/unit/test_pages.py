"""The portal's home page: the branch comes from the gateway's signed identity, never from the URL."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import portal_web

CSS = Path(portal_web.__file__).parent / "static" / "css" / "portal.css"


def test_the_home_page_greets_with_the_company_and_branch_and_offers_sign_in(client, portal_identity):
    response = client.get("/", headers=portal_identity(company_name="Acme Lawns", branch_name="West County"))
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<title>Acme Lawns Customer Portal</title>" in html
    assert "<h1>Acme Lawns</h1>" in html
    assert "West County customer portal" in html
    assert re.search(r'<a [^>]*href="/login"[^>]*>Sign in</a>', html)


def test_without_an_identity_token_there_is_no_portal(client):
    response = client.get("/")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_found"


def test_a_forged_identity_token_is_treated_as_none(client, portal_identity):
    response = client.get("/", headers=portal_identity(secret="forged-secret-0123456789abcdefghij",
                                                       company_name="Forged Co"))
    assert response.status_code == 404
    assert "Forged Co" not in response.get_data(as_text=True)


def test_an_identity_without_a_branch_has_no_portal(client, portal_identity):
    assert client.get("/", headers=portal_identity(branch_id=None)).status_code == 404


@pytest.mark.parametrize("field", ["company_name", "branch_name"])
def test_names_are_html_escaped(client, portal_identity, field):
    hostile = '<script>alert("x")</script> & Sons'
    html = client.get("/", headers=portal_identity(**{field: hostile})).get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in html


def _stylesheet_url(client, headers) -> str:
    html = client.get("/", headers=headers).get_data(as_text=True)
    match = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_the_stylesheet_url_carries_a_fingerprint_of_the_files_content(client, portal_identity):
    url = _stylesheet_url(client, portal_identity())
    assert url == f"/static/css/portal.css?v={hashlib.sha256(CSS.read_bytes()).hexdigest()[:12]}"


def test_a_fingerprinted_stylesheet_is_cached_for_a_year_as_immutable(client, portal_identity):
    response = client.get(_stylesheet_url(client, portal_identity()))
    try:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.data == CSS.read_bytes()
    finally:
        response.close()


def test_a_stylesheet_without_a_fingerprint_is_not_marked_immutable(client):
    response = client.get("/static/css/portal.css")
    try:
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", "")
    finally:
        response.close()


def test_portal_web_is_not_ready_until_the_settings_are_loaded_and_followed(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["ready"] is False
    assert body["checks"]["settings_snapshot"].startswith("unavailable:")
    assert body["checks"]["settings_feed"].startswith("unavailable:")


def test_portal_web_is_ready_once_the_snapshot_is_loaded_and_the_feed_connected(app, client):
    class ConnectedFeed:  # stands in for the feed thread (tests/integration runs the real one)
        connected = True

    app.extensions["branding_cache"].load_snapshot([])
    app.extensions["settings_feed"] = ConnectedFeed()
    assert client.get("/readyz").get_json() == {"service": "portal-web", "ready": True,
                                                "checks": {"settings_snapshot": "ok", "settings_feed": "ok"}}
    ConnectedFeed.connected = False
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "not connected" in response.get_json()["checks"]["settings_feed"]


def test_every_page_names_an_icon_that_is_served_so_browsers_ask_for_no_missing_favicon(client, portal_identity):
    html = client.get("/", headers=portal_identity()).get_data(as_text=True)
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data().startswith(b"<svg")
