"""The customer portal's frame and Home (seeds 002/003) against the identity and summary doubles:
branding from the cache on every page, the side menu (Property Filter, Current Balance, sections
the branch shows), Home's cards from the services' summaries asked at once, and what happens when
one of them is down or slow."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import portal_web
from portal_shared.identity_token import HEADER

CSS = Path(portal_web.__file__).parent / "static" / "css" / "portal.css"
UNAVAILABLE = "Unavailable right now"


def card(html: str, label: str) -> str:
    """The value a Home card shows."""
    match = re.search(rf'<span class="card__label">{label}</span>\s*<span class="card__value[^"]*">([^<]*)</span>', html)
    assert match, f"no card {label!r}:\n{html}"
    return match.group(1)


def balance(html: str) -> str:
    match = re.search(r'<span class="balance__label">Current Balance</span>\s*<(?:strong|span) class="balance__value[^"]*">'
                      r'([^<]*)</', html)
    assert match, html
    return match.group(1)


def menu_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="sections" aria-label="Portal sections">(.*?)</nav>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", a).strip() for a in re.findall(r"<a [^>]*>.*?</a>", nav, re.S)]


def filter_form_token(html: str) -> str:
    form = re.search(r'<form class="property-filter"(.*?)</form>', html, re.S).group(1)
    return re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)


# -- branding on every page -------------------------------------------------------------------------

def test_the_branchs_colours_and_fonts_are_css_variables_in_the_page_itself(client, as_customer, brand):
    brand(as_customer, nav_background_color="#003366", nav_font_color="#fafafa", background_color="#f0f4f8",
          border_color="#99aabb", button_background_color="#aa3300", button_font_color="#fffff0",
          button_font="Verdana", display_font="Georgia", input_font="Courier New", dashboard_font="Tahoma",
          dashboard_font_color="#222222", page_title="Acme Portal", nav_title="Acme Lawns")
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    style = re.search(r'<style id="branding" nonce="[^"]+">(.*?)</style>', html, re.S).group(1)
    for declaration in ("--nav-bg: #003366;", "--nav-fg: #fafafa;", "--page-bg: #f0f4f8;", "--border: #99aabb;",
                        "--button-bg: #aa3300;", "--button-fg: #fffff0;", "--dashboard-fg: #222222;",
                        '--font: Georgia, "Times New Roman", serif;', '--input-font: "Courier New", Courier, monospace;',
                        "--button-font: Verdana, Geneva, sans-serif;",
                        "--dashboard-font: Tahoma, Verdana, Geneva, sans-serif;"):
        assert declaration in style
    # The style block comes right after the stylesheet, so the first paint is already branded.
    assert html.index('<link rel="stylesheet"') < html.index('<style id="branding"') < html.index("<body")
    assert "<title>Home – Acme Portal</title>" in html
    assert '<span class="brand__title">Acme Lawns</span>' in html


def test_pages_without_settings_use_the_defaults_and_the_company_name(client, anonymous):
    html = client.get("/login", headers=anonymous).get_data(as_text=True)
    assert "--nav-bg: #1b5e20;" in html
    assert "<title>Sign In – Green Acres Landscaping Customer Portal</title>" in html
    assert '<span class="brand__title">Green Acres Landscaping</span>' in html


def test_the_login_page_shows_the_logo_and_text_and_the_bar_its_logo(client, anonymous, brand):
    brand(anonymous, login_logo_url="/api/portal-config/assets/login-1", login_page_text="Welcome <b>back</b>!",
          nav_logo_url="/api/portal-config/assets/nav-1")
    html = client.get("/login", headers=anonymous).get_data(as_text=True)
    assert '<img class="sign-in__logo" src="/api/portal-config/assets/login-1" alt="">' in html
    assert '<p class="sign-in__text">Welcome &lt;b&gt;back&lt;/b&gt;!</p>' in html
    assert '<img class="brand__logo" src="/api/portal-config/assets/nav-1" alt="">' in html


def test_branding_text_is_escaped_everywhere(client, as_customer, brand):
    hostile = '<script>alert("x")</script>'
    brand(as_customer, page_title=hostile, nav_title=hostile, dashboard_text=hostile,
          carousel=[{"image_url": "/api/portal-config/assets/s", "caption": hostile, "link": "https://ex.example/"}])
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


# -- the frame: user menu, property filter, balance, sections --------------------------------------

def test_the_frame_has_the_user_menu_filter_balance_and_every_section(client, as_customer, services):
    response = client.get("/", headers=as_customer)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'<summary class="user-menu__toggle">', html)
    assert re.search(r'<a class="user-menu__item" href="/profile/password">Reset Password</a>', html)
    assert re.search(r'<button type="submit" class="user-menu__item user-menu__button">Sign Out</button>', html)
    assert "Manage Payments" not in html  # not until payments exist
    assert '<span class="property-filter__value">All Properties</span>' in html
    assert balance(html) == "$338.70"
    assert menu_links(html) == ["Home", "Requests", "Proposals", "Visits", "Invoices"]
    assert re.search(r'<a class="sections__link" href="/" aria-current="page">Home</a>', html)
    # Both of the customer's properties are offered, each checkbox labelled.
    assert re.search(r'<input type="checkbox" class="checkbox" id="property-1" name="property_id" value="p-1" checked>'
                     r'\s*<label for="property-1">Maple House', html)
    assert re.search(r'<label for="property-2">Birch Lodge', html)


@pytest.mark.parametrize("key, label", [("requests", "Requests"), ("proposals", "Proposals"), ("visits", "Visits"),
                                        ("invoices", "Invoices")])
def test_a_section_switched_off_leaves_the_menu_and_its_page_is_a_404(client, as_customer, brand, key, label):
    assert client.get(f"/{key}", headers=as_customer).status_code == 200
    brand(as_customer, **{f"show_{key}": False})
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert label not in menu_links(html)
    assert f'href="/{key}"' not in html  # nor its card
    response = client.get(f"/{key}", headers=as_customer)
    assert response.status_code == 404
    assert "There is no page at this address." in response.get_data(as_text=True)


def test_switching_invoices_off_hides_the_balance_and_never_asks_billing(client, as_customer, brand, services):
    brand(as_customer, show_invoices=False)
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert "Current Balance" not in html and "Invoices Due" not in html
    assert not services.called("billing")


def test_section_pages_are_for_signed_in_customers(client, anonymous):
    response = client.get("/proposals", headers=anonymous)
    assert response.status_code == 302 and response.headers["Location"] == "/login"


# -- Home's cards -------------------------------------------------------------------------------------

def test_home_shows_the_four_cards_from_the_summaries(client, as_customer, services, config):
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert config.calls == []  # the branch's settings come from the in-memory cache, never from portal-config
    assert "Welcome, Pat" in html
    labels = re.findall(r'<span class="card__label">([^<]+)</span>', html)
    assert labels == ["Upcoming Visits", "Invoices Due", "Pending Proposals", "Pending Requests"]
    assert card(html, "Upcoming Visits") == "34"
    assert card(html, "Invoices Due") == "3"
    assert card(html, "Pending Proposals") == "3"
    assert card(html, "Pending Requests") == "3"
    for service in ("billing", "proposals", "requests", "visits"):
        [call] = services.called(service)
        assert call["property_ids"] == []  # All Properties
        assert call["headers"][HEADER] == as_customer[HEADER]  # the customer's session travels on
        assert call["headers"]["X-Request-Id"]


def test_the_request_id_travels_to_every_summary(client, as_customer, services):
    client.get("/", headers={**as_customer, "X-Request-ID": "req-home-7"})
    assert {c["headers"]["X-Request-Id"] for c in services.calls} == {"req-home-7"}


@pytest.mark.parametrize("down", ["billing", "proposals", "requests", "visits"])
def test_one_service_down_makes_only_its_card_unavailable(client, as_customer, services, down):
    services.down.add(down)
    response = client.get("/", headers=as_customer)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    label = {"billing": "Invoices Due", "proposals": "Pending Proposals", "requests": "Pending Requests",
             "visits": "Upcoming Visits"}[down]
    assert card(html, label) == UNAVAILABLE
    others = {"Upcoming Visits": "34", "Invoices Due": "3", "Pending Proposals": "3", "Pending Requests": "3"}
    for other, value in others.items():
        if other != label:
            assert card(html, other) == value
    assert balance(html) == (UNAVAILABLE if down == "billing" else "$338.70")


def test_a_service_that_is_not_even_listening_is_unavailable_too(make_app, as_customer):
    client = make_app(UPSTREAM_VISITS="http://127.0.0.1:9").test_client()
    response = client.get("/", headers=as_customer)
    assert response.status_code == 200
    assert card(response.get_data(as_text=True), "Upcoming Visits") == UNAVAILABLE


def test_a_slow_service_costs_at_most_its_timeout_and_the_others_are_asked_at_the_same_time(
        client, as_customer, services):
    services.slow.update({"visits": 5.0, "billing": 1.0, "proposals": 1.0, "requests": 1.0})
    started = time.monotonic()
    response = client.get("/", headers=as_customer)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert card(html, "Upcoming Visits") == UNAVAILABLE   # 2 s read timeout
    assert card(html, "Invoices Due") == "3"              # three 1 s answers, asked at once: ~1 s, not 3 s
    assert elapsed < 3.0, elapsed
    first, last = min(c["at"] for c in services.calls), max(c["at"] for c in services.calls)
    assert last - first < 0.5, "the four summaries were asked one after another"


def test_the_carousel_shows_every_slide_without_scripts_and_has_buttons_to_move(client, as_customer, brand):
    brand(as_customer, dashboard_text="Spring clean-ups are booking now.", carousel=[
        {"image_url": "/api/portal-config/assets/a", "caption": "Spring offer", "link": "https://acme.example/spring"},
        {"image_url": "/api/portal-config/assets/b", "caption": None, "link": None}])
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert '<p class="dashboard__text">Spring clean-ups are booking now.</p>' in html
    assert re.search(r'<section class="carousel" aria-roledescription="carousel" aria-label="News and offers"', html)
    slides = re.findall(r'<li class="carousel__slide" aria-roledescription="slide" aria-label="(\d) of 2"', html)
    assert slides == ["1", "2"]
    assert 'src="/api/portal-config/assets/a" alt="Spring offer"' in html
    assert re.search(r'<a class="carousel__link" href="https://acme.example/spring">Learn more', html)
    assert re.search(r'<div class="carousel__controls" hidden>', html)  # shown by the script
    assert re.search(r'<button type="button" class="carousel__button" data-carousel-prev[^>]*>\s*'
                     r'<span aria-hidden="true">‹</span><span class="visually-hidden">Previous slide</span>', html)
    assert "Next slide" in html


# -- the Property Filter --------------------------------------------------------------------------------

def test_the_filter_is_kept_across_pages_and_sent_to_every_summary(client, as_customer, services):
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    response = client.post("/property-filter", headers=as_customer, data={
        "csrf_token": filter_form_token(home), "property_id": ["p-4"], "next": "/visits"})
    assert response.status_code == 303 and response.headers["Location"] == "/visits"
    services.calls.clear()
    for path in ("/", "/visits", "/invoices"):
        html = client.get(path, headers=as_customer).get_data(as_text=True)
        assert '<span class="property-filter__value">Birch Lodge</span>' in html
        assert 'value="p-4" checked' in html and 'value="p-1" checked' not in html
    assert {tuple(c["property_ids"]) for c in services.calls} == {("p-4",)}
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert card(html, "Upcoming Visits") == "4" and balance(html) == "$100.00"


def test_the_filter_keeps_only_the_customers_own_properties(client, as_customer, services):
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    client.post("/property-filter", headers=as_customer, data={
        "csrf_token": filter_form_token(home), "property_id": ["p-1", "someone-elses", "p-3"], "next": "/"})
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert '<span class="property-filter__value">Maple House</span>' in html
    assert services.calls[-1]["property_ids"] == ["p-1"]
    # Only foreign properties: that is no selection, so All Properties.
    client.post("/property-filter", headers=as_customer, data={
        "csrf_token": filter_form_token(html), "property_id": ["someone-elses"], "next": "https://evil.example/"})
    services.calls.clear()
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert '<span class="property-filter__value">All Properties</span>' in html
    assert all(c["property_ids"] == [] for c in services.calls)


def test_all_properties_and_a_lost_property_reset_the_filter(client, as_customer, identity, services):
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    client.post("/property-filter", headers=as_customer, data={"csrf_token": filter_form_token(home),
                                                               "property_id": ["p-4"], "next": "/"})
    # The customer loses access to Birch Lodge: the filter no longer shows it, nor asks for it.
    identity.customer["properties"] = [p for p in identity.customer["properties"] if p["property_id"] != "p-4"]
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert '<span class="property-filter__value">All Properties</span>' in html
    identity.reset()
    client.post("/property-filter", headers=as_customer, data={"csrf_token": filter_form_token(html),
                                                               "property_id": ["p-4"], "next": "/"})
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert "Birch Lodge</span>" in html
    response = client.post("/property-filter", headers=as_customer, data={
        "csrf_token": filter_form_token(html), "all": "1", "property_id": ["p-4"], "next": "/"})
    assert response.status_code == 303
    assert '<span class="property-filter__value">All Properties</span>' in client.get(
        "/", headers=as_customer).get_data(as_text=True)


def test_the_filter_belongs_to_the_customer_who_chose_it(client, as_customer, portal_identity, services):
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    client.post("/property-filter", headers=as_customer, data={"csrf_token": filter_form_token(home),
                                                               "property_id": ["p-4"], "next": "/"})
    # Same browser, another branch's session of the same customer: it starts with All Properties.
    other = portal_identity(account_kind="customer", account_id="c-1", tenant_id="t-2", session_tenant_id="t-2")
    assert "All Properties</span>" in client.get("/", headers=other).get_data(as_text=True)


def test_the_filter_needs_a_csrf_token_and_a_customer(client, as_customer, anonymous):
    assert client.post("/property-filter", headers=as_customer, data={"property_id": ["p-1"]}).status_code == 400
    home = client.get("/login", headers=anonymous).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', home).group(1)
    response = client.post("/property-filter", headers=anonymous, data={"csrf_token": token, "property_id": ["p-1"]})
    assert response.status_code == 302 and response.headers["Location"] == "/login"


# -- small screens -------------------------------------------------------------------------------------

def _rules_outside_min_width_queries(css: str) -> str:
    """The stylesheet without its `@media (min-width: …)` blocks (what a 360 px screen gets)."""
    out, i = [], 0
    for match in re.finditer(r"@media\s*\(min-width:[^)]*\)\s*\{", css):
        if match.start() < i:
            continue
        out.append(css[i:match.start()])
        depth, j = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        i = j
    out.append(css[i:])
    return "".join(out)


def test_nothing_is_wider_than_360_px_unless_a_wider_screen_asks_for_it():
    css = _rules_outside_min_width_queries(re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S))
    too_wide = []
    for prop, value in re.findall(r"(?<![-\w])((?:min-)?width|flex-basis|flex|grid-template-columns)\s*:\s*([^;}]+)", css):
        for number, unit in re.findall(r"(\d+(?:\.\d+)?)(px|rem|em)\b", value):
            px = float(number) * (1 if unit == "px" else 16)
            if px > 360 and "min(100%" not in value:
                too_wide.append(f"{prop}: {value}")
    assert not too_wide, too_wide
    # The side menu folds away at small widths, and the frame's two columns only start at 48rem.
    assert re.search(r"@media \(max-width: 47\.99rem\) \{[^@]*\.js \.side-menu:not\(\.is-open\) \{ display: none; \}",
                     CSS.read_text())
    assert "grid-template-columns: 15rem" in CSS.read_text().split("@media (min-width: 48rem)")[1]


def test_the_menu_button_controls_the_side_menu_and_starts_hidden_until_the_script_runs(client, as_customer):
    html = client.get("/", headers=as_customer).get_data(as_text=True)
    assert re.search(r'<button type="button" class="menu-toggle" aria-expanded="false" aria-controls="side-menu" '
                     r'hidden>', html)
    assert '<aside class="side-menu" id="side-menu" aria-label="Portal menu">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
