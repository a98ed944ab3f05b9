"""The demo's invoices through the whole system: billing's seed ran after identity's, so Camilla's Home on
`demo` shows the demo's expected Current Balance ($238.70, invoice #18; the unapplied $50.00 credit counts
for nothing) and 1 invoice due, and her invoices answer through the gateway with her session."""
from __future__ import annotations

import re
import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def http_sign_in(system, slug: str, email: str, password: str) -> requests.Session:
    """A plain HTTP client signed in through the sign-in form (CSRF cookie and token included)."""
    client = requests.Session()
    client.headers["Host"] = f"{slug}.{system.stack.base_domain}"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(system.gateway + "/login", timeout=10).text)
    assert token
    client.post(system.gateway + "/login", data={"csrf_token": token.group(1), "email": email, "password": password},
                allow_redirects=False, timeout=10)
    return client


def test_home_on_demo_shows_the_seeded_current_balance_and_invoices_due(system):
    client = http_sign_in(system, "demo", "camilla@example.com", "demo-customer-pass")
    home = client.get(system.gateway + "/", timeout=10).text
    assert re.search(r'class="balance__value">\s*\$238\.70\s*<', home), home[:2000]
    assert re.search(r'card--invoices.*?class="card__value">\s*1\s*<', home, re.S), home[:2000]


def test_the_customers_invoices_answer_through_the_gateway_newest_first(system):
    client = http_sign_in(system, "demo", "camilla@example.com", "demo-customer-pass")
    listed = client.get(system.gateway + "/api/billing/invoices", timeout=10)
    assert listed.status_code == 200, listed.text
    assert [(r["title"], r["status"]) for r in listed.json()] == [
        ("Invoice #6: Weekly Maintenance", "Paid"), ("Invoice #18", "Due"),
        ("Invoice #4: Annual Maintenance Agreement", "Paid")]
    eighteen = client.get(f"{system.gateway}/api/billing/invoices/{listed.json()[1]['id']}", timeout=10).json()
    assert (eighteen["balance_cents"], eighteen["due_date"], eighteen["may_pay"]) == (23_870, "2024-11-27", True)
    # The Service Contact: Tar Valon Towers's sales rep (identity's staff_upserted reaches billing's directory
    # within seconds of the stack starting), with the phone: the demo branch shows it.
    deadline = time.monotonic() + 30
    while eighteen["service_contact"] is None and time.monotonic() < deadline:
        time.sleep(0.5)
        eighteen = client.get(f"{system.gateway}/api/billing/invoices/{eighteen['id']}", timeout=10).json()
    assert eighteen["service_contact"] == {
        "first_name": "Morgan", "last_name": "Reyes", "title": "Sales Representative", "email": "rep@example.com",
        "phone": "(314) 555-0142"}


# -- the Invoices pages in Chromium -----------------------------------------------------------------

def browser_sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_selector(".dashboard__title")


def open_invoice_18(page, base: str) -> None:
    page.goto(base + "/invoices")
    row = page.locator(".invoice-row", has_text="Invoice #18")
    assert row.locator(".invoice-row__balance").inner_text().split() == ["Balance", "$238.70"]
    assert row.locator(".status").inner_text() == "DUE"
    row.get_by_role("link").click()
    page.wait_for_selector("h1:has-text('Invoice #18')")


def test_camilla_opens_invoice_18_sees_its_balance_and_may_pay_it_and_view_it_as_a_pdf(system, browser_page):
    base = f"http://demo.{system.stack.base_domain}"
    browser_sign_in(browser_page, base, "camilla@example.com", "demo-customer-pass")
    browser_page.goto(base + "/invoices")
    assert browser_page.locator(".invoices__count").inner_text() == "All 3 of 3"
    assert browser_page.locator(".invoice-row__title").all_inner_texts() == [
        "Invoice #6: Weekly Maintenance", "Invoice #18", "Invoice #4: Annual Maintenance Agreement"]
    browser_page.get_by_role("link", name="Due", exact=True).click()
    assert browser_page.locator(".invoice-row__title").all_inner_texts() == ["Invoice #18"]
    open_invoice_18(browser_page, base)
    assert browser_page.locator(".invoice__balance").inner_text() == "$238.70"
    assert "Due 11/27/2024" in browser_page.locator(".invoice__status").inner_text()
    contact = browser_page.locator("section", has=browser_page.locator("h2", has_text="Service Contact")).inner_text()
    assert "Morgan Reyes" in contact and "Sales Representative" in contact and "rep@example.com" in contact
    assert "(314) 555-0142" in contact
    assert browser_page.get_by_role("link", name="Pay Invoice").get_attribute("href").endswith("/pay")
    pdf_path = browser_page.get_by_role("link", name="View Invoice").get_attribute("href")
    # The link, followed with the browser's session (Chromium alone resolves *.localhost: ask the gateway by Host).
    pdf = requests.get(system.gateway + pdf_path, headers={"Host": f"demo.{system.stack.base_domain}"}, timeout=30,
                       cookies={c["name"]: c["value"] for c in browser_page.context.cookies()})
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    # At a phone's width the list and the invoice fit without scrolling sideways.
    browser_page.set_viewport_size({"width": 360, "height": 780})
    for path in ("/invoices", browser_page.url.removeprefix(base)):
        browser_page.goto(base + path)
        assert browser_page.evaluate("document.documentElement.scrollWidth") <= 360, path


def test_april_another_contact_of_the_property_sees_invoice_18_but_may_not_pay_it(system, browser_page):
    base = f"http://demo.{system.stack.base_domain}"
    browser_sign_in(browser_page, base, "april@example.com", "demo-other-pass")
    open_invoice_18(browser_page, base)
    assert browser_page.get_by_role("link", name="View Invoice").count() == 1
    assert browser_page.get_by_role("link", name="Pay Invoice").count() == 0
