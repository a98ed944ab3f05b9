"""Safe defaults of every page (issue 7 part 6): a CSP with no inline script and one nonce for the
branding style, no framing except the settings preview by its own origin, nosniff, a Referrer-Policy;
and the settings form, which uploads images, refused without its CSRF token like every other form."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "src" / "portal_web" / "static"
TEMPLATES = STATIC.parent / "templates"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXPIRED = "This form has expired. Reload the page and try again."


def _nonce(policy: str) -> str:
    return re.search(r"style-src 'self' 'nonce-([A-Za-z0-9_-]{16,})'", policy).group(1)


@pytest.mark.parametrize("path, who", [("/login", "anonymous"), ("/forgot-password", "anonymous"),
                                       ("/", "as_customer"), ("/profile", "as_customer"),
                                       ("/staff/login", "anonymous"), ("/staff/", "as_staff"),
                                       ("/staff/settings", "as_staff"), ("/no-such-page", "as_customer")])
def test_every_page_has_a_policy_without_inline_script_and_a_nonce_for_its_branding(client, request, path, who):
    response = client.get(path, headers=request.getfixturevalue(who))
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy and response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    html = response.get_data(as_text=True)
    assert f'<style id="branding" nonce="{_nonce(policy)}">' in html


def test_each_page_gets_a_nonce_of_its_own(client, anonymous):
    first, second = (client.get("/login", headers=anonymous).headers["Content-Security-Policy"] for _ in range(2))
    assert _nonce(first) != _nonce(second)


def test_the_settings_preview_may_be_framed_by_its_own_origin_only(client, as_staff, config):
    response = client.get("/staff/settings/preview", headers=as_staff)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "script-src 'self';" in policy
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert f'<style id="branding" nonce="{_nonce(policy)}">' in response.get_data(as_text=True)


def test_static_assets_carry_nosniff(client, anonymous):
    response = client.get("/static/js/portal.js", headers=anonymous)
    assert response.status_code == 200 and response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_has_inline_script_event_handlers_or_style_attributes():
    """What the policy would block in a browser, caught before one runs (the e2e tests watch the console)."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline <script> in {template.name}"
        assert not re.search(r"\son[a-z]+\s*=", text), f"an on… handler in {template.name}"
        assert not re.search(r"\sstyle\s*=", text), f"a style attribute in {template.name}"
        nonced = re.findall(r'<style id="branding" nonce="{{ csp_nonce\(\) }}">', text)
        assert len(re.findall(r"<style\b", text)) == len(nonced), f"a <style> without the nonce in {template.name}"


def test_the_live_preview_script_hands_the_frame_this_pages_nonce():
    script = (STATIC / "js" / "settings.js").read_text()
    assert 'document.getElementById("branding")' in script and ".nonce" in script
    assert "frame.srcdoc = html.replace(" in script


# -- the upload form's CSRF token ------------------------------------------------------------------

def test_the_settings_form_which_uploads_images_carries_a_csrf_token(client, as_staff, config, csrf_from):
    html = client.get("/staff/settings", headers=as_staff).get_data(as_text=True)
    form = re.search(r'<form[^>]*id="settings-form"[^>]*enctype="multipart/form-data".*?</form>', html, re.S)
    assert form, "the settings form uploads files"
    assert csrf_from(form.group(0))


@pytest.mark.parametrize("action", ["save", "check"])
@pytest.mark.parametrize("token", [None, "not-a-token", "from-another-browser"])
def test_an_upload_without_this_browsers_csrf_token_is_refused_and_nothing_is_uploaded(
        app, client, as_staff, config, csrf_from, action, token):
    if token == "from-another-browser":
        token = csrf_from(app.test_client().get("/staff/settings", headers=as_staff).get_data(as_text=True))
    client.get("/staff/settings", headers=as_staff)
    data = {"action": action, "nav_logo_file": (io.BytesIO(PNG), "logo.png", "image/png")}
    if token:
        data["csrf_token"] = token
    uploads_before = len(config.called("POST", "/assets"))
    response = client.post("/staff/settings", headers=as_staff, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert EXPIRED in response.get_data(as_text=True)
    assert len(config.called("POST", "/assets")) == uploads_before
    assert not config.called("PUT", "/settings")
