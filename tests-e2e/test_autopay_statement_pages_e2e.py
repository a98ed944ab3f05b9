"""Issue 8 beyond the seeds, in headless Chromium on the demo: Camilla saves a card through the payment sandbox's
hosted tokenizer, turns autopay on for Camilla's Oasis on Manage Payments and off again (billing agrees each
time); April (Other on Tar Valon Towers) sees that property's autopay but may not change it. On the Invoices
page Camilla downloads an account statement for Tar Valon Towers — a PDF through the gateway whose text names
the property — and a To date before the From date is named at its field."""
from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest
import requests
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CAMILLA = ("camilla@example.com", "demo-customer-pass")
APRIL = ("april@example.com", "demo-other-pass")
CARD = "4111111111111111"


def base(system) -> str:
    return f"http://demo.{system.stack.base_domain}"


def sign_in(page, system, who) -> None:
    page.goto(base(system) + "/login")
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password", exact=True).fill(who[1])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_selector(".dashboard__title")


def save_a_card(page, system) -> None:
    """Add Payment Method with a card typed into the sandbox's tokenizer (its own origin, in a frame)."""
    page.goto(base(system) + "/payments/add")
    frame = page.frame_locator("iframe.tokenizer").first
    frame.locator("#ccnumfield").fill(CARD)
    frame.locator("#ccexpiryfieldmonth").fill("12")
    frame.locator("#ccexpiryfieldyear").fill("2030")
    frame.locator("#cccvvfield").fill("123")
    frame.get_by_role("button", name="Use this card").click()
    expect(page.locator("[data-tokenizer-status]").first).to_have_text(f"Card ending {CARD[-4:]} is ready.")
    page.get_by_role("button", name="Save Payment Method").click()
    page.wait_for_selector("text=Payment method saved.")


def autopay_row(page, name: str):
    return page.locator(".autopay__row", has=page.get_by_role("heading", name=name))


def billing_says(page, system, name: str) -> dict:
    """billing's own answer for the property, with the browser's session (GET /api/billing/autopay/<id>)."""
    property_id = autopay_row(page, name).get_attribute("id").removeprefix("autopay-")
    answer = as_the_browser(page, system, f"/api/billing/autopay/{property_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def as_the_browser(page, system, path: str) -> requests.Response:
    """GET through the gateway with the browser's session cookies and the branch's Host."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return requests.get(system.gateway + path, cookies=cookies, timeout=60,
                        headers={"Host": f"demo.{system.stack.base_domain}"})


def test_camilla_turns_autopay_on_for_a_property_and_off_again(system, browser_page):
    page = browser_page
    sign_in(page, system, CAMILLA)
    save_a_card(page, system)
    page.goto(base(system) + "/payments")
    page.wait_for_selector("h2:has-text('Autopay')")
    row = autopay_row(page, "Camilla's Oasis")
    expect(row.locator(".autopay__state")).to_contain_text("Autopay: Off")

    choose = page.get_by_label("Payment method for Camilla's Oasis")
    choose.select_option(value=choose.locator("option", has_text="Visa ****1111").get_attribute("value"))
    page.get_by_role("button", name="Turn On Autopay for Camilla's Oasis").click()
    page.wait_for_selector("text=Autopay is on for Camilla's Oasis")
    expect(autopay_row(page, "Camilla's Oasis").locator(".autopay__state")).to_contain_text("Autopay: On – Visa ****1111")
    expect(autopay_row(page, "Tar Valon Towers").locator(".autopay__state")).to_contain_text("Autopay: Off")
    enrolled = billing_says(page, system, "Camilla's Oasis")
    assert (enrolled["enrolled"], enrolled["enrolled_by_you"], enrolled["payment_method"]["last_four"]) == (
        True, True, "1111")

    page.get_by_role("button", name="Turn Off Autopay for Camilla's Oasis").click()
    page.wait_for_selector("text=Autopay is off for Camilla's Oasis.")
    expect(autopay_row(page, "Camilla's Oasis").locator(".autopay__state")).to_contain_text("Autopay: Off")
    assert billing_says(page, system, "Camilla's Oasis")["enrolled"] is False
    delete_the_card(page, system)


def delete_the_card(page, system) -> None:
    """The shared demo as it was for the files after this one: the card saved here deleted again."""
    page.goto(base(system) + "/payments")
    page.get_by_role("link", name="Delete Visa ****1111").last.click()
    page.get_by_role("button", name="Delete").click()
    page.wait_for_selector("h1:has-text('Payment Methods')")


def test_april_sees_autopay_where_she_is_other_but_may_not_change_it(system, browser_page):
    page = browser_page
    sign_in(page, system, APRIL)
    page.goto(base(system) + "/payments")
    row = autopay_row(page, "Tar Valon Towers")
    expect(row).to_contain_text("Only the property's Primary or Billing contact can change autopay.")
    assert row.get_by_role("button").count() == 0


def pdf_text(content: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils' pdftotext is needed to read the statement"
    return subprocess.run([pdftotext, "-layout", "-", "-"], input=content, capture_output=True, check=True,
                          timeout=30).stdout.decode()


def test_camilla_downloads_a_statement_that_names_the_property_and_bad_dates_are_named(system, browser_page):
    page = browser_page
    sign_in(page, system, CAMILLA)
    page.goto(base(system) + "/invoices")
    page.wait_for_selector("h2:has-text('Statement')")
    start, end = page.get_by_label("From", exact=True), page.get_by_label("To", exact=True)
    assert start.input_value() and end.input_value()            # the last twelve months by default

    page.get_by_label("Property", exact=True).select_option(label="Tar Valon Towers")
    page.get_by_label("From", exact=True).fill("2024-06-01")
    page.get_by_label("To", exact=True).fill("2024-05-31")
    page.get_by_role("button", name="Download Statement").click()
    page.wait_for_selector("#end-error")
    assert "Enter a To date on or after the From date." in page.locator("#end-error").inner_text()
    assert page.get_by_label("To", exact=True).get_attribute("aria-invalid") == "true"

    page.get_by_label("From", exact=True).fill("2024-01-01")
    page.get_by_label("To", exact=True).fill("2025-12-31")
    with page.expect_response(lambda r: "/api/billing/statements?" in r.url and r.request.method == "GET") as caught:
        page.get_by_role("button", name="Download Statement").click()
    answer = caught.value
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    # The same address with the session's cookies, as the browser opened it.
    pdf = as_the_browser(page, system, answer.url.removeprefix(base(system)))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert "from=2024-01-01" in answer.url and "to=2025-12-31" in answer.url
    text = pdf_text(pdf.content)
    assert "Tar Valon Towers" in text, text[:500]
    assert "Invoice #18" in text or "#18" in text


def back_office_invoice(system, key: str, external_id: str, body: dict) -> requests.Response:
    return requests.put(f"{system.gateway}/api/billing/integration/invoices/{external_id}", json=body, timeout=10,
                        headers={"Host": system.host(), "Authorization": f"Bearer {key}"})


def test_camilla_sees_pay_all_due_with_her_due_invoices_oldest_first_and_one_key(system, browser_page):
    """The back office sends a second due invoice (the demo branch has #18 alone); Camilla's Invoices page then
    offers Pay all due, whose page lists both, oldest first, under one key. Not paid here (the Invoices and
    Paying e2e files expect #18's $238.70); the invoice is voided again at the end."""
    host = {"Host": system.host()}
    companies = system.admin("GET", "/companies").json()
    items = companies["items"] if isinstance(companies, dict) and "items" in companies else companies
    tenant = next(c["id"] for c in items if c["name"] == "Demo Landscaping")
    key = requests.post(f"{system.gateway}/api/identity/staff/operator/companies/{tenant}/api-keys", timeout=10,
                        headers={**host, "Authorization": f"Bearer {system.stack.operator_token}"},
                        json={"name": "e2e pay all due", "scopes": ["invoices:write"]}).json()["key"]
    today = datetime.now(UTC).date()
    invoice = {"number": "PD-1", "invoice_date": today.isoformat(), "terms_days": 30, "property_external_id": "oasis",
               "opportunities": [{"number": "72", "name": "Spring Cleanup"}],
               "services": [{"opportunity_number": "72", "name": "Spring Cleanup", "total": "75.00"}],
               "total": "75.00", "sent": True}
    put = back_office_invoice(system, key, "e2e-pay-all-due-1", invoice)
    assert put.status_code == 200, put.text
    try:
        page = browser_page
        sign_in(page, system, CAMILLA)
        page.goto(base(system) + "/invoices")
        page.get_by_role("link", name="Pay all due").click()
        page.wait_for_selector("h1:has-text('Pay All Due')")
        listed = page.locator(".pay__invoices li").all_inner_texts()
        assert [row.split(" ·")[0].split(":")[0] for row in listed] == ["Invoice #18", "Invoice #PD-1"], listed
        assert "$313.70" in page.locator(".pay__balance").inner_text()                           # 238.70 + 75.00
        assert len(page.locator("input[name=invoice_id]").all()) == 2
        assert len(page.locator("input[name=idempotency_key]").input_value()) == 36
        expect(page.get_by_role("button", name="Pay Invoices")).to_be_visible()
    finally:
        voided = back_office_invoice(system, key, "e2e-pay-all-due-1", {**invoice, "voided": True})
        assert voided.status_code == 200, voided.text
