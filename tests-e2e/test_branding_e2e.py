"""Portal settings and the branded customer shell through the whole system, in a real browser:
staff edit, preview and save; customers see it on their next page; sections switch off; the
home page survives a summary service outage; phones get no horizontal scrolling."""
from __future__ import annotations

import pytest

from portal_devstack.stack import ROOT
from portal_testkit.testing import wait_for

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "test-artifacts" / "screenshots"
# demo-west: the other e2e modules check demo's default branding, so this one changes the other branch.
BRANCH = "demo-west"


def url(system, path: str = "/") -> str:
    return f"http://{BRANCH}.{system.stack.base_domain}{path}"


def signed_in(browser, system, path: str, email: str, password: str, **context):
    page = browser.new_context(**context).new_page()
    page.goto(url(system, path))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()
    return page


def staff(browser, system):
    return signed_in(browser, system, "/staff/login", "admin@example.com", "demo-admin-pass")


def customer(browser, system, **context):
    page = signed_in(browser, system, "/login", "camilla@example.com", "demo-customer-pass", **context)
    page.wait_for_selector(".dashboard__title")
    return page


def background(locator) -> str:
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def test_staff_change_the_navigation_bar_preview_it_save_it_and_customers_see_it_without_a_restart(browser, system):
    from playwright.sync_api import expect

    console = staff(browser, system)
    console.goto(url(system, "/staff/settings"))
    console.get_by_label("Navigation bar title").fill("Greener Days")
    console.get_by_label("Navigation bar background color", exact=True).fill("greenish")
    console.get_by_role("button", name="Save", exact=True).click()
    # Refused, naming the field; nothing saved.
    expect(console.locator("#problems")).to_contain_text("Navigation bar background color")

    console.get_by_label("Navigation bar background color", exact=True).fill("#004d40")
    # The preview follows the form as it changes (the Preview button is its no-JavaScript fallback).
    preview = console.frame_locator("#settings-preview")
    expect(preview.locator(".brand__title")).to_have_text("Greener Days")
    expect(preview.locator(".topbar")).to_have_css("background-color", "rgb(0, 77, 64)")

    console.get_by_role("button", name="Save", exact=True).click()
    expect(console.get_by_text("Settings saved.")).to_be_visible()

    home = customer(browser, system)
    wait_for(lambda: home.reload() or home.locator(".brand__title").inner_text() == "Greener Days", timeout=5,
             message="the saved title on the customer's next page")
    assert background(home.locator(".topbar")) == "rgb(0, 77, 64)"


def test_switching_proposals_off_removes_them_from_the_menu_and_their_page_answers_404(browser, system):
    from playwright.sync_api import expect

    console = staff(browser, system)
    console.goto(url(system, "/staff/settings"))
    console.get_by_label("Show Proposals").uncheck()
    console.get_by_role("button", name="Save", exact=True).click()
    expect(console.get_by_text("Settings saved.")).to_be_visible()

    home = customer(browser, system)
    sections = home.get_by_role("navigation", name="Portal sections")

    def proposals_gone():
        home.reload()
        return sections.get_by_role("link", name="Proposals").count() == 0

    wait_for(proposals_gone, timeout=5, message="Proposals to leave the menu")
    assert sections.get_by_role("link", name="Invoices").count() == 1
    assert home.goto(url(system, "/proposals")).status == 404

    console.goto(url(system, "/staff/settings"))
    console.get_by_label("Show Proposals").check()
    console.get_by_role("button", name="Save", exact=True).click()
    expect(console.get_by_text("Settings saved.")).to_be_visible()


def test_the_home_page_renders_with_the_proposals_service_stopped_and_marks_its_card_unavailable(browser, system):
    import redis

    home = customer(browser, system)
    cached = home.locator(".card--proposals .card__value").inner_text()
    system.stop_process("proposals")
    try:
        # Nothing changed since: the page comes from the page cache (ADR 0035), the figure as it was.
        response = home.goto(url(system, "/"))
        assert response.status == 200
        assert home.locator(".card--proposals .card__value").inner_text() == cached
        # A write moves the proposals page version (here: for every tenant, as a write without one does):
        # the page must ask again, and the stopped service's card says so.
        redis.Redis.from_url(system.stack.redis_url).incr(f"{system.stack.namespace}:page-version:proposals:*")
        response = home.goto(url(system, "/"))
        assert response.status == 200
        assert home.locator(".card--proposals .card__value--unavailable").inner_text() == "Unavailable right now"
        # billing still answers: demo-west's invoice #21, $1,500.00 with $500.00 paid (demo-data.json "expected").
        assert home.locator(".card--invoices .card__value").inner_text() == "1"
        assert home.locator(".balance__value").inner_text() == "$1,000.00"
    finally:
        system.start_process("proposals")
        wait_for(lambda: system.readiness().status_code == 200, timeout=60, message="proposals to be back")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_home_page_fits_the_screen_at_phone_and_desktop_widths(browser, system, width):
    home = customer(browser, system, viewport={"width": width, "height": 900})
    assert home.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    home.screenshot(path=str(SHOTS / f"home-{width}.png"), full_page=True)


def test_after_check_the_preview_shows_the_checked_values_before_any_field_changes(browser, system):
    from playwright.sync_api import expect

    console = staff(browser, system)
    console.goto(url(system, "/staff/settings"))
    console.get_by_label("Navigation bar title").fill("Checked Title")
    console.get_by_label("Button background color", exact=True).fill("#fdfdfd")  # unreadable with white text
    console.get_by_role("button", name="Check", exact=True).click()
    expect(console.locator("#warnings")).to_contain_text("Button text")
    # The page came back from the server: the preview shows what was checked, before any field changes.
    preview = console.frame_locator("#settings-preview")
    expect(preview.locator(".brand__title")).to_have_text("Checked Title")
    expect(preview.locator(".button").first).to_have_css("background-color", "rgb(253, 253, 253)")
