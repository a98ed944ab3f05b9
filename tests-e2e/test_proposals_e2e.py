"""The demo's proposals through the whole system: proposals' seed ran after identity's, so Camilla's Home on
`demo` shows the demo's expected Pending Proposals (2: #88 and #95; #101 is West County's), her proposals
answer through the gateway with her session, and the Proposals pages list, filter and open them in
Chromium, with View Proposal as a PDF. April, another contact of Tar Valon Towers, sees #88 but may not
sign it; #91 (In Production) may only be viewed. A 60-day window set in portal-config reaches proposals
by event and leaves 1 pending proposal (#95 starts in 75 days)."""
from __future__ import annotations

import re
import time

import pytest
import requests

pytestmark = pytest.mark.e2e

CAMILLA = ("camilla@example.com", "demo-customer-pass")
APRIL = ("april@example.com", "demo-other-pass")


def pending_card(client, system) -> str:
    home = client.get(system.gateway + "/", timeout=10).text
    found = re.search(r'card--proposals.*?class="card__value">\s*(\d+)\s*<', home, re.S)
    assert found, home[:2000]
    return found.group(1)


def test_home_on_demo_counts_the_two_pending_proposals_and_demo_west_its_one(system, http_customer):
    assert pending_card(http_customer("demo", *CAMILLA), system) == "2"
    assert pending_card(http_customer("demo-west", *CAMILLA), system) == "1"


def test_the_customers_proposals_answer_through_the_gateway_by_estimated_start_date(system, http_customer):
    client = http_customer("demo", *CAMILLA)
    listed = client.get(system.gateway + "/api/proposals/proposals", timeout=10)
    assert listed.status_code == 200, listed.text
    assert [(r["number"], r["status"]) for r in listed.json()] == [
        ("95", "Pending"), ("88", "Pending"), ("91", "Accepted"), ("86", "Accepted"), ("80", "Accepted"),
        ("77", "Rejected"), ("15", "Accepted"), ("58", "Accepted"), ("56", "Accepted")]
    pending = client.get(system.gateway + "/api/proposals/proposals?show=pending", timeout=10).json()
    assert [r["number"] for r in pending] == ["88", "95"]
    by_number = {r["number"]: r for r in listed.json()}
    eighty_eight = client.get(f"{system.gateway}/api/proposals/proposals/{by_number['88']['id']}", timeout=10).json()
    assert (eighty_eight["price_cents"], eighty_eight["may_sign"], eighty_eight["sent_date"]) == (
        4_457_933, True, "2025-03-18")
    assert eighty_eight["sales_rep"]["phone"] == "(314) 555-0142"
    in_production = client.get(f"{system.gateway}/api/proposals/proposals/{by_number['91']['id']}", timeout=10).json()
    assert (in_production["back_office_status"], in_production["may_sign"]) == ("In Production", False)


def test_april_sees_tar_valon_towers_proposals_but_may_not_sign_88(system, http_customer):
    client = http_customer("demo", *APRIL)
    listed = client.get(system.gateway + "/api/proposals/proposals", timeout=10).json()
    assert [r["number"] for r in listed] == ["88", "58", "56"]
    eighty_eight = client.get(f"{system.gateway}/api/proposals/proposals/{listed[0]['id']}", timeout=10).json()
    assert (eighty_eight["status"], eighty_eight["may_sign"]) == ("Pending", False)


# -- the Proposals pages in Chromium ---------------------------------------------------------------

def test_camilla_lists_filters_and_opens_proposal_88_and_views_it_as_a_pdf(system, browser_customer):
    base = f"http://demo.{system.stack.base_domain}"
    page = browser_customer(base, *CAMILLA)
    page.goto(base + "/proposals")
    assert page.locator(".proposals__count").inner_text() == "All 9 of 9"
    assert page.locator(".proposal-row__title").all_inner_texts()[:3] == [
        "Proposal #95: Tree Trimming", "Proposal #88: Major Landscaping Project 2024", "Proposal #91: Spring Cleanup"]
    page.get_by_role("link", name="Pending", exact=True).click()
    assert page.locator(".proposals__count").inner_text() == "Pending 2 of 2"
    page.get_by_role("link", name="Rejected", exact=True).click()
    assert page.locator(".proposal-row__title").all_inner_texts() == ["Proposal #77: Snow Removal 2024-25"]
    assert page.locator(".proposal-row .status").inner_text() == "REJECTED"
    page.get_by_role("link", name="All", exact=True).click()
    row = page.locator(".proposal-row", has_text="Proposal #88")
    assert "Tar Valon Towers - Columbia, Illinois 62236" in row.inner_text()
    assert "$44,579.33" in row.inner_text() and "Sent 03/18/2025" in row.inner_text()
    assert row.locator(".status").inner_text() == "PENDING"
    row.get_by_role("link").click()
    page.wait_for_selector("h1:has-text('Proposal #88: Major Landscaping Project 2024')")
    assert page.locator(".proposal__price").inner_text() == "$44,579.33"
    assert page.locator(".proposal-services .proposal-services__name").all_inner_texts() == [
        "Mulch Install", "Plant Installation", "EN- Shrub Installation"]
    assert page.locator(".proposal-optional .proposal-services__name").all_inner_texts() == [
        "Seasonal Color Rotation", "Irrigation Audit"]
    assert page.locator(".proposal__total").inner_text() == "$44,579.33"
    contact = page.locator(".proposal__contact").inner_text()
    assert "Morgan Reyes" in contact and "rep@example.com" in contact and "(314) 555-0142" in contact
    assert "515 Warnock" in page.locator("section", has_text="Associated with:").inner_text()
    pdf_path = page.get_by_role("link", name="View Proposal").get_attribute("href")
    # The link, followed with the browser's session (Chromium alone resolves *.localhost: ask the gateway by Host).
    pdf = requests.get(system.gateway + pdf_path, headers={"Host": f"demo.{system.stack.base_domain}"}, timeout=30,
                       cookies={c["name"]: c["value"] for c in page.context.cookies()})
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    # At a phone's width the list and the proposal fit without scrolling sideways.
    page.set_viewport_size({"width": 360, "height": 780})
    for path in ("/proposals", page.url.removeprefix(base)):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path


def test_proposal_91_in_production_offers_only_view(system, browser_customer):
    base = f"http://demo.{system.stack.base_domain}"
    browser_page = browser_customer(base, *CAMILLA)
    browser_page.goto(base + "/proposals")
    browser_page.locator(".proposal-row", has_text="Proposal #91").get_by_role("link").click()
    browser_page.wait_for_selector("h1:has-text('Proposal #91: Spring Cleanup')")
    actions = browser_page.locator(".proposal__actions")
    assert actions.get_by_role("link").all_inner_texts() == ["View Proposal"]


# -- the branch's window, through portal-config's event -----------------------------------------------

def _demo_branch_id(system) -> str:
    for company in system.admin("GET", "/companies").json():
        for branch in system.admin("GET", f"/companies/{company['id']}/branches").json():
            if branch["slug"] == "demo":
                return branch["branch_id"]
    raise AssertionError("no demo branch")


def _wait_for_card(client, system, expected: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while pending_card(client, system) != expected:
        assert time.monotonic() < deadline, f"Pending Proposals never became {expected}"
        time.sleep(0.5)


def test_a_60_day_window_hides_proposal_95_until_it_is_lifted(system, http_customer):
    branch_id = _demo_branch_id(system)
    client = http_customer("demo", *CAMILLA)
    saved = system.admin("PUT", f"/branches/{branch_id}/settings", json={"proposal_window_days": 60})
    assert saved.status_code == 200, saved.text
    try:
        _wait_for_card(client, system, "1")
        numbers = [r["number"] for r in client.get(system.gateway + "/api/proposals/proposals?show=pending",
                                                   timeout=10).json()]
        assert numbers == ["88"]
    finally:
        lifted = system.admin("PUT", f"/branches/{branch_id}/settings", json={"proposal_window_days": None})
        assert lifted.status_code == 200, lifted.text
    _wait_for_card(client, system, "2")
