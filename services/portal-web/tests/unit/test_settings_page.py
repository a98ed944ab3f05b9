"""Staff: the Customer Portal settings page (seed 001) against the identity and portal-config doubles —
who may use it, the form, Check / Save / Save anyway, portal-config's errors next to their fields,
uploads, and the Preview with unsaved settings."""
from __future__ import annotations

import io
import re
import uuid
from html import unescape
from html.parser import HTMLParser

import pytest

from portal_shared.config import BusSettings
from portal_shared.events import make_event
from portal_shared.events.portal_settings import FONT_STACKS
from portal_shared.identity_token import verify_identity
from portal_web import messages
from portal_web.adapters.portal_config import PortalConfigClient
from portal_web.adapters.settings_feed import SettingsFeed
from portal_web.settings_form import resolve_colour

SECRET = "portal-web-test-internal-secret-0123456789"  # the suite's (conftest.py)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
LOW_CONTRAST = ("Navigation bar text (#a0a0a0) on the navigation bar background (#1b5e20) has a contrast ratio of "
                "3.00:1; use at least 4.5:1 so everyone can read it.")


class FormValues(HTMLParser):
    """What a browser would submit for the page's settings form: inputs, checked boxes, textareas, selects."""

    def __init__(self):
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == "settings-form":
            self._in_form = True
        if not self._in_form and a.get("form") != "settings-form":
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("file", "submit"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values.append((a["name"], a.get("value") or ("y" if a.get("type") == "checkbox" else "")))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.values.append((self._select, a["value"]))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea:
            self.values.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self._text += data


def form_of(html: str) -> dict:
    parser = FormValues()
    parser.feed(html)
    parser.close()
    data: dict = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in data.items()}


def set_value(data: dict, name: str, value) -> dict:
    """Change a field as a person would (no script: the colour picker keeps its old value)."""
    data = dict(data)
    if value is None:
        data.pop(name, None)
    else:
        data[name] = value
    return data


@pytest.fixture
def settings_page(client, as_staff, config):
    def load() -> tuple[str, dict]:
        response = client.get("/staff/settings", headers=as_staff)
        assert response.status_code == 200, response.get_data(as_text=True)
        html = response.get_data(as_text=True)
        return html, form_of(html)
    return load


@pytest.fixture
def post_settings(client, as_staff):
    def post(data: dict, action: str = "save", path: str = "/staff/settings", **kwargs):
        return client.post(path, headers=as_staff, data={**data, "action": action},
                           content_type="multipart/form-data", **kwargs)
    return post


def error_of(html: str, field_id: str) -> list[str]:
    match = re.search(rf'<ul class="field__errors" id="{re.escape(field_id)}-error">(.*?)</ul>', html, re.S)
    assert match, f"no errors for {field_id}"
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


# -- who may use it ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [("GET", "/staff/settings"), ("POST", "/staff/settings"),
                                          ("GET", "/staff/settings/preview"), ("POST", "/staff/settings/preview")])
def test_staff_without_the_permission_get_a_clear_refusal(client, as_sales_rep, config, csrf_from, method, path):
    token = csrf_from(client.get("/staff/", headers=as_sales_rep).get_data(as_text=True))
    response = client.open(path, method=method, headers=as_sales_rep,
                           data={"csrf_token": token} if method == "POST" else None)
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert messages.MISSING_SETTINGS_PERMISSION.replace("'", "&#39;") in html
    assert config.calls == []


@pytest.mark.parametrize("who", ["anonymous", "as_customer"])
def test_the_settings_are_for_staff_only(client, request, who):
    response = client.get("/staff/settings", headers=request.getfixturevalue(who))
    assert response.status_code == 302 and response.headers["Location"] == "/staff/login"


def test_portal_configs_own_refusal_is_shown(client, as_staff, config, monkeypatch):
    # Identity says yes, portal-config's staff read model says no (e.g. not yet told of the new role).
    from portal_web.adapters import portal_config as adapter

    def refuse(self, branch_id):
        raise adapter.PortalConfigError(403, "forbidden", "You may not manage this branch's portal settings.")

    monkeypatch.setattr(adapter.PortalConfigClient, "branch_settings", refuse)
    response = client.get("/staff/settings", headers=as_staff)
    assert response.status_code == 403
    assert "You may not manage this branch&#39;s portal settings." in response.get_data(as_text=True)


def test_portal_config_down_is_a_friendly_503(make_app, as_staff):
    response = make_app(UPSTREAM_PORTAL_CONFIG="http://127.0.0.1:9").test_client().get("/staff/settings",
                                                                                       headers=as_staff)
    assert response.status_code == 503
    assert "We can&#39;t reach the portal settings service right now." in response.get_data(as_text=True)


# -- the form ---------------------------------------------------------------------------------------

def test_the_form_has_every_setting_grouped_like_the_configuration_screen(settings_page, config, as_staff):
    html, values = settings_page()
    legends = re.findall(r'<fieldset class="settings__group">\s*<legend>([^<]+)</legend>', html)
    assert legends == ["Customer Portal", "Invitation email", "Login page", "General", "Navigation bar", "Buttons",
                       "Dashboard", "What customers see", "Payments"]
    for label in ("Enable Customer Portal", "Customer Portal domain", "Page title", "Customer Portal link description",
                  "Invitation email subject", "Invitation email body", "Login page logo", "Page text", "Display font",
                  "Input field font", "Background color", "Border color", "Navigation bar logo",
                  "Navigation bar title", "Navigation bar background color", "Navigation bar font color",
                  "Button background color", "Button font", "Button font color", "Dashboard text", "Dashboard font",
                  "Dashboard font color", "Slide image", "Show Requests", "Show Proposals", "Show Visits",
                  "Show Invoices", "Show only proposals starting within this many days",
                  "Show the sales rep&#39;s phone number", "Accept electronic payments in the portal",
                  "Credit and debit cards", "ACH bank transfers", "Allow partial payments of an invoice",
                  "Card convenience fee (%)"):
        match = re.search(rf'<label[^>]*for="([^"]+)"[^>]*>{re.escape(label)}</label>', html)
        assert match, label
        assert re.search(rf'<(input|select|textarea)[^>]*id="{re.escape(match.group(1))}"', html), label
    assert "Services on proposals and invoices" in html and "Show a lump sum of the services" in html
    assert "it never applies to ACH payments" in html
    # Fonts come from FONT_STACKS; the saved values are filled in, with the version being edited.
    options = re.findall(r'<option (?:selected )?value="([^"]+)"', re.search(
        r'<select[^>]*id="display_font".*?</select>', html, re.S).group(0))
    assert options == list(FONT_STACKS)
    assert values["expected_version"] == "1" and values["nav_background_color"] == "#1b5e20"
    assert values["page_title"] == "Green Acres Landscaping Customer Portal"
    [call] = config.called("GET", "/settings")
    assert call["headers"]["X-Portal-Identity"] == as_staff["X-Portal-Identity"]


def test_colours_are_a_hex_field_with_a_native_picker(settings_page):
    html, _ = settings_page()
    assert re.search(r'<input aria-describedby="nav_font_color-hint"[^>]*class="input colour-field__text"[^>]*'
                     r'id="nav_font_color"[^>]*value="#ffffff">', html)
    assert ('<input type="color" class="colour-field__picker" id="nav_font_color-picker" '
            'name="nav_font_color__picker" value="#ffffff" aria-label="Navigation bar font color picker">') in html


@pytest.mark.parametrize("text, picker, initial, expected", [
    ("#abc", "#ffffff", "#ffffff", "#abc"),          # typed: the text wins (portal-config normalises it)
    ("#ffffff", "#123456", "#ffffff", "#123456"),    # only the picker changed (no script): the picker wins
    ("ffffff", "#123456", "#ffffff", "#123456"),
    ("#000000", "#123456", "#ffffff", "#000000"),    # both changed: what was typed
    ("blue", "#123456", "#ffffff", "blue"),           # portal-config will say what is wrong with it
])
def test_the_picker_only_wins_when_the_text_was_left_alone(text, picker, initial, expected):
    assert resolve_colour(text, picker, initial) == expected


def test_the_token_picker_and_the_rendered_example(settings_page):
    html, _ = settings_page()
    body_tokens = re.search(r'<div class="token-picker" data-token-picker="invitation_body">(.*?)</div>', html, re.S)
    assert re.findall(r'<code data-token="([^"]+)">', body_tokens.group(1)) == [
        "[ContactName]", "[ContactFirstName]", "[CustomerPortalLink]", "[CompanyName]", "[BranchName]", "[SenderName]"]
    assert 'data-token-picker="invitation_subject"' in html
    assert "Example for John Smith" in html
    assert "John Smith, you&#39;ve been invited to the Customer Portal!" in html
    assert ('Create your account here: <span class="email-example__link">Create your Customer Portal account</span>'
            in html)


def test_the_example_escapes_what_staff_type(settings_page, post_settings):
    _, values = settings_page()
    html = post_settings(set_value(values, "invitation_body", "<b>Hi</b> [ContactName] [CustomerPortalLink]"),
                         action="check").get_data(as_text=True)
    assert '&lt;b&gt;Hi&lt;/b&gt; John Smith <span class="email-example__link">' in html


# -- Check, Save, Save anyway ------------------------------------------------------------------------

def test_portal_configs_errors_appear_next_to_the_fields_they_name(settings_page, post_settings, config):
    _, values = settings_page()
    values = set_value(values, "nav_background_color", "blue")
    values = set_value(values, "page_title", "")
    values = set_value(values, "invitation_body", "No link in here")
    values = set_value(values, "proposal_window_days", "900")
    response = post_settings(values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_of(html, "nav_background_color") == ["Enter a colour like #1b5e20."]
    assert error_of(html, "page_title") == ["Enter a page title."]
    assert error_of(html, "invitation_body") == [
        "The email must include [CustomerPortalLink] so the customer can create their account."]
    assert error_of(html, "proposal_window_days") == ["Enter a number of days from 1 to 365, or leave it empty."]
    assert re.search(r'<input aria-describedby="nav_background_color-hint nav_background_color-error" '
                     r'aria-invalid="true"[^>]*value="blue">', html)
    # A summary at the top links to each field; nothing was saved; what was typed stays.
    assert re.search(r'<a href="#page_title">Page title: Enter a page title.</a>', html)
    assert not config.called("PUT", "/settings")
    assert "No link in here</textarea>" in html


def test_check_shows_contrast_warnings_and_saves_nothing(settings_page, post_settings, config):
    _, values = settings_page()
    response = post_settings(set_value(values, "nav_font_color", "A0A0A0"), action="check")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Contrast warning" in html
    assert f'<a href="#nav_font_color">{LOW_CONTRAST}</a>' in html
    # Shown as portal-config normalised it.
    assert 'id="nav_font_color" maxlength="7" name="nav_font_color" spellcheck="false" type="text" value="#a0a0a0"' in html
    assert "Save anyway" in html
    assert not config.called("PUT", "/settings")
    [check] = config.called("POST", "/settings/check")
    assert check["json"]["nav_font_color"] == "A0A0A0"


def test_check_without_problems_says_so(settings_page, post_settings):
    _, values = settings_page()
    html = post_settings(values, action="check").get_data(as_text=True)
    assert messages.SETTINGS_CHECKED in html and "Save anyway" not in html


def test_a_save_with_warnings_waits_for_save_anyway(client, as_staff, settings_page, post_settings, config):
    _, values = settings_page()
    values = set_value(values, "nav_font_color", "#a0a0a0")
    first = post_settings(values, action="save")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert LOW_CONTRAST in html
    assert re.search(r'<button type="submit" form="settings-form" name="action" value="save_anyway" '
                     r'class="button">Save anyway</button>', html)
    assert not config.called("PUT", "/settings")
    second = post_settings(form_of(html), action="save_anyway")
    assert second.status_code == 303 and second.headers["Location"] == "/staff/settings"
    [put] = config.called("PUT", "/settings")
    assert put["json"]["nav_font_color"] == "#a0a0a0"
    page = client.get("/staff/settings", headers=as_staff).get_data(as_text=True)
    assert messages.SETTINGS_SAVED in page
    assert LOW_CONTRAST in page  # the saved contrast problem is still named, for information


def test_saving_sends_portal_config_its_form(settings_page, post_settings, config):
    _, values = settings_page()
    changes = {"page_title": "Acme Portal", "nav_title": "", "background_color": "f0f4f8", "display_font": "Georgia",
               "show_visits": None, "proposal_window_days": "30", "show_service_details": "lump_sum",
               "electronic_payments": "y", "accept_ach": None, "partial_payments": "y",
               "card_convenience_fee_percent": "2.5", "dashboard_text": "Hello there"}
    for name, value in changes.items():
        values = set_value(values, name, value)
    response = post_settings(values)
    assert response.status_code == 303, response.get_data(as_text=True)
    [put] = config.called("PUT", "/settings")
    body = put["json"]
    assert body["page_title"] == "Acme Portal" and body["nav_title"] == ""
    assert body["background_color"] == "f0f4f8" and body["display_font"] == "Georgia"
    assert body["show_visits"] is False and body["show_requests"] is True
    assert body["proposal_window_days"] == 30 and body["show_service_details"] is False
    assert body["electronic_payments"] is True and body["accepted_payment_types"] == ["card"]
    assert body["partial_payments"] is True and body["card_convenience_fee_percent"] == "2.5"
    assert body["dashboard_text"] == "Hello there" and body["login_page_text"] is None
    assert body["expected_version"] == 1 and body["enabled"] is True and body["slug"] == "north"
    assert body["carousel"] == [] and body["login_logo_asset_id"] is None
    # Only fields portal-config's form knows (its unknown-field rule would name any other).
    assert set(body) <= set(config.form(put["path"].split("/")[2])) | {"expected_version"}
    assert put["headers"]["X-Portal-Identity"]


def test_after_saving_this_workers_pages_show_the_new_settings_at_once(client, as_staff, settings_page,
                                                                        post_settings, app):
    _, values = settings_page()
    assert post_settings(set_value(values, "nav_background_color", "#4a148c")).status_code == 303
    assert "--nav-bg: #4a148c;" in client.get("/staff/settings/preview", headers=as_staff).get_data(as_text=True)
    assert app.extensions["branding_cache"].version_of(
        verify_identity(as_staff["X-Portal-Identity"], SECRET)["branch_id"]) == 2


def test_a_save_over_someone_elses_is_refused_with_a_reload(settings_page, post_settings, config, as_staff):
    _, values = settings_page()
    branch = config.called("GET", "/settings")[0]["path"].split("/")[2]
    config.versions[branch] = 2  # someone saved meanwhile
    response = post_settings(set_value(values, "page_title", "Mine"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "saved by someone else meanwhile" in html and '<a href="/staff/settings">Reload the saved settings</a>' in html
    assert config.forms[branch]["page_title"] != "Mine"


def test_a_new_subdomain_is_saved_and_the_new_address_given(settings_page, post_settings):
    _, values = settings_page()
    response = post_settings(set_value(values, "slug", "acme-north"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The portal&#39;s address is now http://acme-north.localhost:8080." in html
    assert 'href="http://acme-north.localhost:8080/staff/login"' in html


def test_customers_see_a_save_on_their_next_page_through_the_event(
        make_app, settings_page, post_settings, config, portal_identity):
    _, values = settings_page()
    branch = config.called("GET", "/settings")[0]["path"].split("/")[2]
    assert post_settings(set_value(values, "nav_background_color", "#0b3d91")).status_code == 303
    # Another worker (or process): portal-config publishes portal_settings_updated, its feed applies it.
    other = make_app()
    feed = SettingsFeed(other.extensions["branding_cache"], config=PortalConfigClient(config.url), bus=BusSettings(),
                        secret=SECRET)
    customer = portal_identity(branch_id=branch, tenant_id="t", account_kind="customer", account_id="c-1",
                               session_tenant_id="t")
    client = other.test_client()
    assert "--nav-bg: #1b5e20;" in client.get("/", headers=customer).get_data(as_text=True)
    feed.on_event(make_event("portal_settings_updated", {
        "branch_id": branch, "version": config.versions[branch], "updated_by": None,
        "settings": config.contract(branch)}, tenant_id=str(uuid.uuid4()), branch_id=branch))
    assert "--nav-bg: #0b3d91;" in client.get("/", headers=customer).get_data(as_text=True)


# -- images ----------------------------------------------------------------------------------------

def test_chosen_logos_are_uploaded_and_kept_in_the_form(settings_page, post_settings, config):
    _, values = settings_page()
    response = post_settings({**values, "login_logo_file": (io.BytesIO(PNG), "logo.png", "image/png")},
                             action="check")
    assert response.status_code == 200, response.get_data(as_text=True)
    [upload] = config.called("POST", "/assets")
    assert upload["form"] == {"kind": "login_logo"} and upload["files"] == ["file"]
    asset_id = next(iter(config.assets))
    html = response.get_data(as_text=True)
    assert f'id="login_logo_asset_id" name="login_logo_asset_id" type="hidden" value="{asset_id}"' in html
    assert f'<img src="/api/portal-config/assets/{asset_id}" alt="The current login page logo">' in html
    [check] = config.called("POST", "/settings/check")
    assert check["json"]["login_logo_asset_id"] == asset_id
    # Saved later from the same form, without uploading again.
    assert post_settings(form_of(html)).status_code == 303
    assert config.called("PUT", "/settings")[0]["json"]["login_logo_asset_id"] == asset_id
    assert len(config.called("POST", "/assets")) == 1


def test_an_image_portal_config_refuses_is_named_at_its_field(settings_page, post_settings, config):
    _, values = settings_page()
    response = post_settings({**values, "nav_logo_file": (io.BytesIO(b"GIF89a..."), "logo.gif", "image/gif")})
    assert response.status_code == 422
    assert error_of(response.get_data(as_text=True), "nav_logo_file") == ["Upload a PNG, JPEG or WebP image."]
    assert not config.called("PUT", "/settings")


def test_slides_are_added_reordered_and_removed(settings_page, post_settings, config):
    _, values = settings_page()
    html = post_settings({**values, "new_slide_file": (io.BytesIO(PNG), "a.png", "image/png"),
                          "new_slide_caption": "First", "new_slide_link": "https://acme.example/a"},
                         action="check").get_data(as_text=True)
    html = post_settings({**form_of(html), "new_slide_file": (io.BytesIO(PNG), "b.png", "image/png"),
                          "new_slide_caption": "Second"}, action="check").get_data(as_text=True)
    values = form_of(html)
    assert (values["carousel-0-caption"], values["carousel-1-caption"]) == ("First", "Second")
    assert re.search(r'<label class="field__label" for="carousel-1-position">Position of slide 2</label>', html)
    # Second goes first; then First is removed.
    values = {**values, "carousel-0-position": "2", "carousel-1-position": "1"}
    values = form_of(post_settings(values, action="check").get_data(as_text=True))
    assert (values["carousel-0-caption"], values["carousel-1-caption"]) == ("Second", "First")
    values["carousel-1-remove"] = "y"
    assert post_settings(values).status_code == 303
    put = config.called("PUT", "/settings")[-1]["json"]
    assert [(s["caption"], s["link"]) for s in put["carousel"]] == [("Second", None)]


def test_an_eleventh_slide_gets_portal_configs_limit_at_the_new_slide(client, as_staff, post_settings, config):
    client.get("/staff/settings", headers=as_staff)
    branch = config.called("GET", "/settings")[0]["path"].split("/")[2]
    for number in range(10):
        asset = str(uuid.uuid4())
        config.assets[asset] = "carousel"
        config.forms[branch]["carousel"].append({"asset_id": asset, "caption": f"Slide {number}", "link": None})
    values = form_of(client.get("/staff/settings", headers=as_staff).get_data(as_text=True))
    assert values["carousel-9-caption"] == "Slide 9"
    response = post_settings({**values, "new_slide_file": (io.BytesIO(PNG), "k.png", "image/png")})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert error_of(html, "new_slide_file") == ["Use at most 10 slides."]
    assert form_of(html)["carousel-10-caption"] == ""  # the uploaded slide is kept, to remove one of the others
    assert not config.called("PUT", "/settings")


def test_a_slides_bad_link_is_named_at_that_slide(settings_page, post_settings):
    _, values = settings_page()
    html = post_settings({**values, "new_slide_file": (io.BytesIO(PNG), "a.png", "image/png"),
                          "new_slide_link": "acme.example"}).get_data(as_text=True)
    assert error_of(html, "carousel-0-link") == ["Enter a link starting with https:// or http://."]
    assert '<a href="#carousel-0-link">Slide 1: Link: Enter a link starting with' in html


# -- the Preview --------------------------------------------------------------------------------------

def test_the_preview_renders_the_customer_home_with_unsaved_settings(client, as_staff, settings_page, config, app):
    _, values = settings_page()
    calls_before = len(config.calls)
    values = {**values, "nav_background_color": "#123456", "button_background_color": "abc", "dashboard_font": "Georgia",
              "nav_title": "Preview Lawns", "dashboard_text": "Unsaved words", "show_proposals": None,
              "border_color": "not-a-colour"}
    response = client.post("/staff/settings/preview", headers=as_staff, data=values)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    style = re.search(r'<style id="branding" nonce="[^"]+">(.*?)</style>', html, re.S).group(1)
    assert "--nav-bg: #123456;" in style and "--button-bg: #aabbcc;" in style
    assert '--dashboard-font: Georgia, "Times New Roman", serif;' in style
    assert "--border: #d0d7de;" in style  # an unfinished colour keeps the saved one
    assert "Welcome, Camilla" in html and "$238.70" in html and "Camilla&#39;s Oasis" in html
    assert '<span class="brand__title">Preview Lawns</span>' in html and "Unsaved words" in html
    assert "Pending Proposals" not in html and ">Proposals</a>" not in html
    # It is a picture: nothing in it acts, it may only be framed by the settings page, and nothing was saved.
    assert "<body class=\"\" inert>" in html
    assert re.search(r'<button type="submit" class="user-menu__item user-menu__button" disabled>Sign Out</button>', html)
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert len(config.calls) == calls_before
    assert "--nav-bg: #1b5e20;" in client.get("/staff/settings", headers=as_staff).get_data(as_text=True)


def test_the_preview_of_the_sign_in_page_shows_its_logo_and_text(client, as_staff, settings_page, brand):
    brand(as_staff, login_logo_url="/api/portal-config/assets/saved-logo")
    _, values = settings_page()
    html = client.post("/staff/settings/preview", headers=as_staff, data={
        **values, "preview_page": "login", "login_page_text": "Sign in to see your visits."}).get_data(as_text=True)
    assert "<h1>Sign In</h1>" in html and "Sign in to see your visits." in html
    assert '<button type="submit" class="button" disabled>Sign In</button>' in html
    assert "user-menu" not in html  # an anonymous visitor's page


def test_the_preview_frame_starts_with_the_saved_settings_and_the_button_works_without_scripts(
        client, as_staff, settings_page, brand):
    brand(as_staff, nav_background_color="#224466")
    html, _ = settings_page()
    assert re.search(r'<iframe class="settings__frame" name="settings-preview" id="settings-preview" '
                     r'src="/staff/settings/preview"\s+title="Preview of the customer portal with these settings"', html)
    assert re.search(r'<button type="submit" name="action" value="preview"[^>]*\s+formaction="/staff/settings/preview" '
                     r'formtarget="settings-preview">Preview</button>', html)
    preview = client.get("/staff/settings/preview", headers=as_staff)
    assert "--nav-bg: #224466;" in preview.get_data(as_text=True)
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_other_pages_still_refuse_to_be_framed(client, as_staff, config):
    assert client.get("/staff/settings", headers=as_staff).headers["X-Frame-Options"] == "DENY"


def test_the_staff_console_links_to_the_settings(client, as_staff):
    html = client.get("/staff/", headers=as_staff).get_data(as_text=True)
    assert '<a class="nav__link" href="/staff/settings">Portal Settings</a>' in html


def srcdoc_of(html: str) -> str | None:
    """The preview frame's `srcdoc`, unescaped as the browser reads it (None when the frame has none)."""
    match = re.search(r'<iframe class="settings__frame"[^>]*\ssrcdoc="([^"]*)"', html)
    return unescape(match.group(1)) if match else None


@pytest.mark.parametrize("action", ["check", "save"])
def test_after_check_the_preview_shows_the_checked_values_not_the_saved_ones(settings_page, post_settings, action):
    _, values = settings_page()
    values = {**set_value(values, "nav_background_color", "#123456"), "nav_title": "Checked Lawns",
              "page_title": ""}  # a save with an error comes back too, with what was sent
    html = post_settings(values, action=action).get_data(as_text=True)
    preview = srcdoc_of(html)
    assert preview is not None, "the preview frame still loads the saved settings"
    style = re.search(r'<style id="branding"[^>]*>(.*?)</style>', preview, re.S).group(1)
    assert "--nav-bg: #123456;" in style
    assert '<span class="brand__title">Checked Lawns</span>' in preview
    # The page around the frame keeps the console's own colours.
    page_style = re.search(r'<style id="branding"[^>]*>(.*?)</style>', html.split("<iframe")[0], re.S).group(1)
    assert "--nav-bg: #1b5e20;" in page_style
    # A srcdoc document lives under the page's CSP: its one inline style carries the page's nonce.
    nonce = re.search(r'<style id="branding" nonce="([^"]+)"', html.split("<iframe")[0]).group(1)
    assert f'<style id="branding" nonce="{nonce}">' in preview


def test_the_staff_console_stays_readable_whatever_colours_the_branch_picks(client, as_staff, brand, portal_identity):
    brand(as_staff, button_background_color="#fefefe", button_font_color="#ffffff", nav_background_color="#fafafa",
          nav_font_color="#ffffff", nav_title="Pale Lawns")
    for path in ("/staff/", "/staff/settings"):
        html = client.get(path, headers=as_staff).get_data(as_text=True)
        style = re.search(r'<style id="branding"[^>]*>(.*?)</style>', html, re.S).group(1)
        assert "--button-bg: #2e7d32;" in style and "--button-fg: #ffffff;" in style, path
        assert "--nav-bg: #1b5e20;" in style and "--nav-fg: #ffffff;" in style, path
        assert "Pale Lawns" in html, path  # still this branch's console
    # Customers and the preview see exactly what the branch picked.
    preview = client.get("/staff/settings/preview", headers=as_staff).get_data(as_text=True)
    assert "--button-bg: #fefefe;" in preview
    customer_login = client.get("/login", headers={**as_staff}).get_data(as_text=True)
    assert "--button-bg: #fefefe;" in customer_login
