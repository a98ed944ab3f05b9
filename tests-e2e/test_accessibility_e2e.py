"""Every page a customer or a staff member reaches, checked with axe-core (WCAG 2.2 A and AA rules)
in headless Chromium at a desktop width and at a phone's, on the demo `demo` portal.

axe-core comes bundled in the pinned `axe-playwright-python` package (no download at test time); it
is evaluated through the DevTools protocol, so the pages' strict CSP stays as it is.
"""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.e2e
BRANCH = "demo"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 780}}

ANONYMOUS = ["/login", "/forgot-password", "/staff/login"]
CUSTOMER = ["/", "/requests", "/requests?show=closed", "/requests/new", "/proposals", "/visits", "/visits?show=completed",
            "/visits/calendar", "/invoices",
            "/profile", "/payments", "/payments/add", "/proposals/verify"]
STAFF = ["/staff/", "/staff/settings"]


def url(system, path: str) -> str:
    return f"http://{BRANCH}.{system.stack.base_domain}{path}"


def violations(page) -> list[str]:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


def signed_in(chromium, system, viewport, login: str, email: str, password: str):
    page = chromium.new_context(viewport=viewport).new_page()
    page.goto(url(system, login))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state("networkidle")
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_the_pages_before_sign_in_have_no_wcag_violation(system, chromium, width):
    page = chromium.new_context(viewport=WIDTHS[width]).new_page()
    found = {}
    for path in ANONYMOUS:
        page.goto(url(system, path))
        found[path] = violations(page)
    assert found == {path: [] for path in ANONYMOUS}


def pay_all_due_violations(system, page) -> list[str]:
    import requests

    host = {"Host": system.host()}
    companies = system.admin("GET", "/companies").json()
    items = companies["items"] if isinstance(companies, dict) and "items" in companies else companies
    tenant = next(c["id"] for c in items if c["name"] == "Demo Landscaping")
    key = requests.post(f"{system.gateway}/api/identity/staff/operator/companies/{tenant}/api-keys", timeout=10,
                        headers={**host, "Authorization": f"Bearer {system.stack.operator_token}"},
                        json={"name": "a11y pay all due", "scopes": ["invoices:write"]}).json()["key"]
    invoice = {"number": "A11Y-1", "invoice_date": "2026-01-02", "terms_days": 30, "property_external_id": "oasis",
               "opportunities": [{"number": "73", "name": "Mulching"}],
               "services": [{"opportunity_number": "73", "name": "Mulching", "total": "40.00"}],
               "total": "40.00", "sent": True}
    address = f"{system.gateway}/api/billing/integration/invoices/e2e-a11y-pay-all-due"
    headers = {**host, "Authorization": f"Bearer {key}"}
    assert requests.put(address, json=invoice, headers=headers, timeout=10).status_code == 200
    try:
        page.goto(url(system, "/invoices"))
        page.get_by_role("link", name="Pay all due").click()
        page.wait_for_load_state("networkidle")
        return violations(page)
    finally:
        requests.put(address, json={**invoice, "voided": True}, headers=headers, timeout=10)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_customers_pages_have_no_wcag_violation(system, chromium, width):
    page = signed_in(chromium, system, WIDTHS[width], "/login", "camilla@example.com", "demo-customer-pass")
    found = {}
    for path in CUSTOMER:
        page.goto(url(system, path))
        page.wait_for_load_state("networkidle")
        found[path] = violations(page)
    # One invoice's page, reached from the list (its id is the seed's).
    page.goto(url(system, "/invoices"))
    page.locator(".invoice-row__link").first.click()
    page.wait_for_load_state("networkidle")
    found["/invoices/<id>"] = violations(page)
    # One proposal's page (#88: services, optional services, Service Contact, Associated with).
    page.goto(url(system, "/proposals"))
    page.locator(".proposal-row", has_text="Proposal #88").get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    found["/proposals/<id>"] = violations(page)
    for show in ("pending", "rejected"):
        page.goto(url(system, f"/proposals?show={show}"))
        found[f"/proposals?show={show}"] = violations(page)
    # The Pay Invoice dialog of the due invoice (#18), the hosted tokenizer's frame included.
    page.goto(url(system, "/invoices?show=due"))
    page.locator(".invoice-row__link").first.click()
    page.get_by_role("link", name="Pay Invoice").click()
    page.wait_for_load_state("networkidle")
    found["/invoices/<id>/pay"] = violations(page)
    # The Invoices page's Statement form with its dates refused at their fields.
    page.goto(url(system, "/invoices"))
    page.get_by_label("From", exact=True).fill("2024-06-01")
    page.get_by_label("To", exact=True).fill("2024-05-31")
    page.get_by_role("button", name="Download Statement").click()
    page.wait_for_selector("#end-error")
    found["/invoices (Statement errors)"] = violations(page)
    # Manage Payments' Autopay with a method to choose (a bank account, saved here once), then turned on.
    page.goto(url(system, "/payments"))
    if page.locator(".method", has_text="****6677").count() == 0:
        page.goto(url(system, "/payments/add"))
        page.get_by_label("ACH Transfer").check()
        page.get_by_label("Routing Number/Account Number").fill("036001808/5555666677")
        page.get_by_role("button", name="Save Payment Method").click()
        page.wait_for_selector("text=Payment method saved.")
    page.goto(url(system, "/payments"))
    found["/payments (Autopay forms)"] = violations(page)
    choose = page.get_by_label("Payment method for Three Tails")
    choose.select_option(value=choose.locator("option", has_text="****6677").get_attribute("value"))
    page.get_by_role("button", name="Turn On Autopay for Three Tails").click()
    page.wait_for_selector("text=Autopay is on for Three Tails")
    found["/payments (Autopay on)"] = violations(page)
    page.get_by_role("button", name="Turn Off Autopay for Three Tails").click()
    page.wait_for_selector("text=Autopay is off for Three Tails.")
    # Pay all due: the dialog for several invoices (a second due invoice from the back office, voided after).
    found["/invoices/pay-due"] = pay_all_due_violations(system, page)
    # Select & Sign of a pending proposal (#95: test_signing_e2e signs #88), reached from its page.
    page.goto(url(system, "/proposals"))
    page.locator(".proposal-row", has_text="Proposal #95").get_by_role("link").click()
    page.get_by_role("link", name="Select & Sign").click()
    page.wait_for_load_state("networkidle")
    found["/proposals/<id>/sign"] = violations(page)
    # Decline and Request Changes of #95: the small forms, reached from its page (only looked at, not sent).
    for action in ("Request Changes", "Decline"):
        page.goto(url(system, "/proposals"))
        page.locator(".proposal-row", has_text="Proposal #95").get_by_role("link").click()
        page.locator(".proposal__actions").get_by_role("link", name=action, exact=True).click()
        page.wait_for_load_state("networkidle")
        found[f"/proposals/<id>/{action}"] = violations(page)
    # One visit's page (services, notes, service contact), and the calendar feed's address just made.
    page.goto(url(system, "/visits?show=completed"))
    page.locator(".visit-row .invoice-row__link").nth(1).click()
    page.wait_for_load_state("networkidle")
    found["/visits/<id>"] = violations(page)
    page.goto(url(system, "/visits/calendar"))
    page.locator(".visits-calendar form button[type=submit]").first.click()
    page.wait_for_selector("#feed-url")
    found["/visits/calendar (address shown)"] = violations(page)
    # One request's page (View Request, with its comments and Add Comment), reached from the list.
    page.goto(url(system, "/requests"))
    page.locator(".invoice-row__link").first.click()
    page.wait_for_load_state("networkidle")
    found["/requests/<id>"] = violations(page)
    assert found == {path: [] for path in [*CUSTOMER, "/invoices/<id>", "/proposals/<id>", "/proposals?show=pending",
                                           "/proposals?show=rejected", "/invoices/<id>/pay", "/proposals/<id>/sign",
                                           "/proposals/<id>/Request Changes", "/proposals/<id>/Decline",
                                           "/visits/<id>", "/visits/calendar (address shown)", "/requests/<id>",
                                           "/invoices (Statement errors)", "/payments (Autopay forms)",
                                           "/payments (Autopay on)", "/invoices/pay-due"]}


@pytest.mark.parametrize("width", WIDTHS)
def test_the_staff_consoles_pages_have_no_wcag_violation(system, chromium, width):
    page = signed_in(chromium, system, WIDTHS[width], "/staff/login", "admin@example.com", "demo-admin-pass")
    found = {}
    for path in STAFF:
        page.goto(url(system, path))
        page.wait_for_load_state("networkidle")
        found[path] = violations(page)
    # The invitation form, reached as staff reach it: tick a contact, then the bulk action.
    page.goto(url(system, "/staff/"))
    page.locator("input[type=checkbox][name=contact]").first.check()
    page.get_by_role("button", name="Send Customer Portal Invite").click()
    page.wait_for_load_state("networkidle")
    found["invitation form"] = violations(page)
    assert found == {path: [] for path in [*STAFF, "invitation form"]}
