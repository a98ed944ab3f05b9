"""Issue 8 beyond the seeds, against the billing double (billing_payments_double.py): the Autopay section of
Manage Payments (each property the customer sees, On with what or Off, turned on with a saved method and off
again where billing lets them; billing's 403/422 as messages at that property's form) and the Statement form of
the Invoices page (the Property Filter's property, the last twelve months, Download Statement to billing's
PDF through the gateway; bad dates named at their fields)."""
from __future__ import annotations

import re
from html import unescape
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest



@pytest.fixture
def paying(as_customer, brand):
    """A customer of a branch that takes cards and ACH (its Manage Payments page exists)."""
    brand(as_customer, electronic_payments=True, accepted_payment_types=["card", "ach"], partial_payments=True,
          card_convenience_fee_percent="3.00")
    return as_customer


def method_id(services, last_four: str) -> str:
    return next(m["id"] for m in services.payments.methods if m["last_four"] == last_four)


def csrf_of_form(html: str, action: str) -> str:
    form = re.search(rf'<form method="post" action="{re.escape(action)}"(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action}"
    token = re.search(r'name="((?:[\w-]+-)?csrf_token)"[^>]*value="([^"]+)"', form.group(1))
    return token.group(2)


def csrf_name(html: str, action: str) -> str:
    form = re.search(rf'<form method="post" action="{re.escape(action)}"(.*?)</form>', html, re.S)
    return re.search(r'name="((?:[\w-]+-)?csrf_token)"', form.group(1)).group(1)


def autopay_row(html: str, property_id: str) -> str:
    row = re.search(rf'<li class="autopay__row" id="autopay-{property_id}">(.*?)</li>\s*(?=<li class="autopay__row"|</ul>\s*</section>)',
                    html, re.S)
    assert row, f"no autopay row for {property_id}"
    return row.group(1)


def text(html: str) -> str:
    return unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def manage(client, headers) -> str:
    response = client.get("/payments", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def turn_on(client, headers, property_id: str, method: str | None):
    html = manage(client, headers)
    action = f"/payments/autopay/{property_id}"
    data = {csrf_name(html, action): csrf_of_form(html, action)}
    if method is not None:
        data[f"autopay-{property_id}-payment_method_id"] = method
    return client.post(f"/payments/autopay/{property_id}", data=data, headers=headers)


def autopay_calls(services) -> list[dict]:
    return [r for r in services.payments.requests if str(r.get("path", "")).startswith("/autopay/")]


# -- Autopay ----------------------------------------------------------------------------------------------

def test_autopay_lists_every_property_off_with_the_usable_methods_to_choose(client, paying, services):
    html = manage(client, paying)
    assert '<h2 id="autopay-heading" class="autopay__title">Autopay</h2>' in html
    for property_id, name in (("p-1", "Maple House"), ("p-4", "Birch Lodge")):
        row = autopay_row(html, property_id)
        assert name in row and "Autopay: Off" in text(row)
        assert f'<label class="field__label" for="autopay-{property_id}-payment_method_id">Payment method for {name}</label>' in row
        assert "Mastercard ****5454 (default)" in row and "Checking ****6789" in row
        assert "Visa ****1111" not in row                           # expired: autopay could not charge it
        assert re.search(r'<option selected value="[^"]+">Mastercard \*\*\*\*5454 \(default\)</option>', row)
        assert f"Turn On Autopay<span class=\"visually-hidden\"> for {name}</span>" in row
        assert "Turn Off Autopay" not in row
    assert not autopay_calls(services)


def test_turning_autopay_on_sends_billing_the_chosen_method_and_shows_it_on(client, paying, services):
    ach = method_id(services, "6789")
    response = turn_on(client, paying, "p-1", ach)
    assert response.status_code == 303 and response.headers["Location"] == "/payments"
    assert autopay_calls(services) == [{"path": "/autopay/p-1", "method": "PUT", "json": {"payment_method_id": ach}}]
    html = manage(client, paying)
    assert ("Autopay is on for Maple House: Checking ****6789 will be charged each invoice's balance on its due date."
            in unescape(html))
    row = autopay_row(html, "p-1")
    assert "Autopay: On – Checking ****6789" in text(row)
    assert re.search(rf'<option selected value="{ach}">Checking \*\*\*\*6789</option>', row)
    assert "Change Method" in row and "Turn Off Autopay" in row
    assert "Autopay: Off" in text(autopay_row(html, "p-4"))       # one property's autopay only


def test_turning_autopay_off_asks_billing_and_shows_it_off(client, paying, services):
    services.payments.autopay["p-4"] = method_id(services, "5454")
    html = manage(client, paying)
    assert "Autopay: On – Mastercard ****5454" in text(autopay_row(html, "p-4"))
    response = client.post("/payments/autopay/p-4/off", headers=paying,
                           data={"csrf_token": csrf_of_form(html, "/payments/autopay/p-4/off")})
    assert response.status_code == 303
    assert autopay_calls(services) == [{"path": "/autopay/p-4", "method": "DELETE", "json": None}]
    html = manage(client, paying)
    assert "Autopay is off for Birch Lodge." in unescape(html)
    assert "Autopay: Off" in text(autopay_row(html, "p-4"))


def test_autopay_another_contact_set_up_shows_on_without_their_method(client, paying, services):
    services.payments.enrolled_by_other.add("p-1")
    row = autopay_row(manage(client, paying), "p-1")
    assert "Autopay: On (set up by another contact)" in text(row)
    assert "Turn On Autopay" in row and "Turn Off Autopay" in row   # a Primary contact may replace or stop it


def test_where_billing_does_not_let_the_customer_pay_autopay_is_shown_but_not_offered(client, paying, services):
    services.payments.may_not_pay.add("p-4")
    services.payments.enrolled_by_other.add("p-4")
    html = manage(client, paying)
    row = autopay_row(html, "p-4")
    assert "Autopay: On (set up by another contact)" in text(row)
    assert "Only the property's Primary or Billing contact can change autopay." in row
    assert "<form" not in row
    assert "<form" in autopay_row(html, "p-1")


def test_billings_403_is_the_page_again_with_its_reason_at_that_property(client, paying, services):
    html = manage(client, paying)                 # drawn while billing still let them pay
    services.payments.may_not_pay.add("p-1")      # then their role changed
    response = client.post("/payments/autopay/p-1", headers=paying, data={
        csrf_name(html, "/payments/autopay/p-1"): csrf_of_form(html, "/payments/autopay/p-1"),
        "autopay-p-1-payment_method_id": method_id(services, "5454")})
    assert response.status_code == 403
    row = autopay_row(response.get_data(as_text=True), "p-1")
    assert 'role="alert"' in row and "Your role on this property does not allow you to pay invoices." in row
    assert "Autopay: Off" in text(row)
    assert services.payments.autopay == {}


def test_billings_422_is_shown_with_its_words_at_that_property(client, paying, services):
    html = manage(client, paying)
    services.payments.autopay_refusal = ("This branch does not take this type of payment.",
                                         {"payment_method_id": ["This payment type is not accepted."]})
    response = client.post("/payments/autopay/p-4", headers=paying, data={
        csrf_name(html, "/payments/autopay/p-4"): csrf_of_form(html, "/payments/autopay/p-4"),
        "autopay-p-4-payment_method_id": method_id(services, "6789")})
    assert response.status_code == 422
    row = autopay_row(response.get_data(as_text=True), "p-4")
    assert ("This branch does not take this type of payment. This payment type is not accepted." in row
            and 'role="alert"' in row)
    assert "Autopay: Off" in text(row) and services.payments.autopay == {}


def test_an_expired_card_is_not_offered_and_refused_before_billing_is_asked(client, paying, services):
    html = manage(client, paying)
    response = client.post("/payments/autopay/p-4", headers=paying, data={
        csrf_name(html, "/payments/autopay/p-4"): csrf_of_form(html, "/payments/autopay/p-4"),
        "autopay-p-4-payment_method_id": method_id(services, "1111")})
    assert response.status_code == 422
    row = autopay_row(response.get_data(as_text=True), "p-4")
    assert "Not a valid choice" in row and 'aria-invalid="true"' in row
    assert not autopay_calls(services)


def test_choosing_no_method_is_named_at_the_field(client, paying, services):
    response = turn_on(client, paying, "p-1", None)
    assert response.status_code == 422
    row = autopay_row(response.get_data(as_text=True), "p-1")
    assert "Choose a saved payment method." in row or "Not a valid choice." in row
    assert 'aria-describedby="autopay-p-1-payment_method_id-error"' in row
    assert not autopay_calls(services)


def test_a_property_not_the_customers_is_a_404_and_billing_is_not_asked(client, paying, services):
    html = manage(client, paying)
    response = client.post("/payments/autopay/00000000-0000-4000-8000-000000000009", headers=paying, data={
        csrf_name(html, "/payments/autopay/p-1"): csrf_of_form(html, "/payments/autopay/p-1")})
    assert response.status_code == 404
    assert not autopay_calls(services)


def test_autopay_forms_need_the_csrf_token(client, paying, services):
    response = client.post("/payments/autopay/p-1", headers=paying,
                           data={"autopay-p-1-payment_method_id": method_id(services, "5454")})
    assert response.status_code in (400, 422)
    assert not autopay_calls(services)


def test_without_a_usable_method_autopay_asks_for_one(client, paying, services):
    services.payments.methods[:] = [m for m in services.payments.methods if m["expired"]]
    row = autopay_row(manage(client, paying), "p-1")
    assert "Add a payment method that is not expired to turn autopay on." in row and "<form" not in row


# -- Statement -----------------------------------------------------------------------------------------

def invoices_page(client, headers) -> str:
    response = client.get("/invoices", headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def statement_form(html: str) -> str:
    return re.search(r'<form method="post" action="/invoices/statement"(.*?)</form>', html, re.S).group(1)


def test_the_statement_form_offers_the_customers_properties_and_the_last_twelve_months(client, as_customer, services):
    html = invoices_page(client, as_customer)
    assert '<h2 id="statement-heading" class="statement__title">Statement</h2>' in html
    form = statement_form(html)
    assert re.search(r'<option selected value="p-1">Maple House</option>', form)
    assert '<option value="p-4">Birch Lodge</option>' in form
    today = datetime.now(UTC).date()
    year_ago = today.replace(year=today.year - 1) if (today.month, today.day) != (2, 29) else date(today.year - 1, 2, 28)
    assert re.search(rf'type="date" value="{year_ago.isoformat()}"', form)
    assert re.search(rf'type="date" value="{today.isoformat()}"', form)
    assert '<label class="field__label" for="start">From</label>' in form
    assert '<label class="field__label" for="end">To</label>' in form
    assert ">Download Statement</button>" in form


def test_the_statement_defaults_to_the_property_filters_single_selection(client, as_customer, services):
    html = invoices_page(client, as_customer)
    token = re.search(r'<form class="property-filter"(.*?)</form>', html, re.S).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', token).group(1)
    client.post("/property-filter", data={"csrf_token": token, "property_id": ["p-4"], "next": "/invoices"},
                headers=as_customer)
    form = statement_form(invoices_page(client, as_customer))
    assert re.search(r'<option selected value="p-4">Birch Lodge</option>', form)


def test_download_statement_goes_on_to_billings_pdf_through_the_gateway(client, as_customer, services):
    html = invoices_page(client, as_customer)
    response = client.post("/invoices/statement", headers=as_customer, data={
        "csrf_token": csrf_of_form(html, "/invoices/statement"), "property_id": "p-4",
        "start": "2025-01-01", "end": "2025-12-31"})
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/api/billing/statements"
    assert parse_qs(location.query) == {"property_id": ["p-4"], "from": ["2025-01-01"], "to": ["2025-12-31"]}


@pytest.mark.parametrize("start, end, field, message", [
    ("2025-13-01", "2025-12-31", "start", "Enter a date, e.g. "),
    ("", "2025-12-31", "start", "Enter the statement's first day."),
    ("2025-01-01", "31/12/2025", "end", "Enter a date, e.g. "),
    ("2025-06-01", "2025-05-31", "end", "Enter a To date on or after the From date."),
    ("2020-01-01", "2025-01-01", "end", "A statement covers at most three years: choose a shorter range."),
])
def test_bad_dates_are_named_at_their_field_and_nothing_is_downloaded(client, as_customer, services, start, end,
                                                                       field, message):
    html = invoices_page(client, as_customer)
    response = client.post("/invoices/statement", headers=as_customer, data={
        "csrf_token": csrf_of_form(html, "/invoices/statement"), "property_id": "p-1", "start": start, "end": end})
    assert response.status_code == 422
    form = statement_form(response.get_data(as_text=True))
    errors = re.search(rf'<ul class="field__errors" id="{field}-error">(.*?)</ul>', form, re.S)
    assert errors and message in unescape(errors.group(1))
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', form) or \
        f'aria-describedby="{field}-error"' in form
    assert "Invoice #18" in response.get_data(as_text=True)        # still the Invoices page


def test_three_years_is_still_one_statement(client, as_customer, services):
    html = invoices_page(client, as_customer)
    end = date(2025, 12, 31)
    response = client.post("/invoices/statement", headers=as_customer, data={
        "csrf_token": csrf_of_form(html, "/invoices/statement"), "property_id": "p-1",
        "start": (end - timedelta(days=3 * 365)).isoformat(), "end": end.isoformat()})
    assert response.status_code == 303


def test_a_property_not_the_customers_is_refused_at_the_field(client, as_customer, services):
    html = invoices_page(client, as_customer)
    response = client.post("/invoices/statement", headers=as_customer, data={
        "csrf_token": csrf_of_form(html, "/invoices/statement"), "property_id": "p-2",
        "start": "2025-01-01", "end": "2025-12-31"})
    assert response.status_code == 422
    assert '<ul class="field__errors" id="property_id-error">' in statement_form(response.get_data(as_text=True))


def test_download_statement_needs_the_csrf_token_and_a_customer(client, as_customer, anonymous, services):
    response = client.post("/invoices/statement", headers=as_customer, data={
        "property_id": "p-1", "start": "2025-01-01", "end": "2025-12-31"})
    assert response.status_code in (400, 422) and "Location" not in response.headers
    assert client.post("/invoices/statement", headers=anonymous, data={}).status_code in (302, 400)


# -- Pay all due (several invoices, one payment) ---------------------------------------------------------

INVOICE_21 = "9b1f6c1e-0000-4000-8000-000000000021"


@pytest.fixture
def two_due(services):
    """A second due invoice the customer may pay (#21, Birch Lodge, $61.30, older than #18)."""
    first = next(i for i in services.invoices if i["number"] == "18")
    services.more_invoices.append({**first, "id": INVOICE_21, "number": "21", "title": "Invoice #21",
                                   "property": {**first["property"], "id": "p-4", "name": "Birch Lodge"},
                                   "invoice_date": "2024-07-01", "due_date": "2024-08-01",
                                   "balance_cents": 6130, "total_cents": 6130, "amount_cents": 6130,
                                   "status": "Due", "may_pay": True})
    return services


def several_sent(services) -> list[dict]:
    return [r for r in services.payments.requests if r.get("path") == "/payments"]


def test_pay_all_due_shows_only_when_more_than_one_due_invoice_may_be_paid(client, paying, services):
    html = invoices_page(client, paying)
    assert 'href="/invoices/pay-due">Pay all due</a>' not in html         # #18 alone (#4: may not pay)
    assert client.get("/invoices/pay-due", headers=paying).status_code == 303


def test_pay_all_due_lists_the_invoices_oldest_first_with_one_key_and_their_sum(client, paying, two_due):
    assert 'href="/invoices/pay-due">Pay all due</a>' in invoices_page(client, paying)
    response = client.get("/invoices/pay-due", headers=paying)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 class="dashboard__title">Pay All Due</h1>' in html
    listed = re.findall(r"<li>(Invoice #\d+)", html)
    assert listed == ["Invoice #21", "Invoice #18"]                      # oldest first; #4 is not hers to pay
    assert '<strong class="pay__balance">$300.00</strong>' in html        # $61.30 + $238.70
    assert re.search(r'data-fee>\$9\.00<', html)                          # 3.00 % of $300.00
    assert re.findall(r'name="invoice_id" value="([^"]+)"', html) == [INVOICE_21, next(
        i["id"] for i in two_due.invoices if i["number"] == "18")]
    assert 'action="/invoices/pay-due"' in html and ">Pay Invoices</button>" in html


def test_pay_all_due_pays_the_shown_invoices_in_one_payment_once_per_key(client, paying, two_due):
    html = client.get("/invoices/pay-due", headers=paying).get_data(as_text=True)
    data = {"csrf_token": csrf_of_form(html, "/invoices/pay-due"),
            "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html).group(1),
            "balance": "full", "payment_method": method_id(two_due, "5454"),
            "invoice_id": re.findall(r'name="invoice_id" value="([^"]+)"', html)}
    first = client.post("/invoices/pay-due", data=data, headers=paying)
    again = client.post("/invoices/pay-due", data=data, headers=paying)     # a double click
    assert first.status_code == again.status_code == 303 and first.headers["Location"] == "/invoices"
    sent = several_sent(two_due)
    assert len(sent) == 2 and sent[0]["key"] == sent[1]["key"] == data["idempotency_key"]
    assert [s["invoice_id"] for s in sent[0]["json"]["invoices"]] == data["invoice_id"]
    assert sent[0]["json"]["amount"] is None
    assert len(two_due.payments.payments) == 1                          # one charge
    landing = unescape(client.get("/invoices", headers=paying).get_data(as_text=True))
    assert "Payment received: $300.00 (plus a $9.00 Convenience Fee). Invoices paid: #21, #18." in landing


def test_pay_all_due_other_amount_is_sent_as_one_total(client, paying, two_due):
    html = client.get("/invoices/pay-due", headers=paying).get_data(as_text=True)
    response = client.post("/invoices/pay-due", headers=paying, data={
        "csrf_token": csrf_of_form(html, "/invoices/pay-due"),
        "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html).group(1),
        "balance": "other", "amount": "100.00", "payment_method": method_id(two_due, "6789"),
        "invoice_id": re.findall(r'name="invoice_id" value="([^"]+)"', html)})
    assert response.status_code == 303
    assert several_sent(two_due)[0]["json"]["amount"] == "100.00"
    landing = unescape(client.get("/invoices", headers=paying).get_data(as_text=True))
    assert "Your bank payment of $100.00 is pending" in landing


def test_pay_all_due_refuses_when_the_invoices_changed_since_the_page(client, paying, two_due):
    html = client.get("/invoices/pay-due", headers=paying).get_data(as_text=True)
    response = client.post("/invoices/pay-due", headers=paying, data={
        "csrf_token": csrf_of_form(html, "/invoices/pay-due"),
        "idempotency_key": re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html).group(1),
        "balance": "full", "payment_method": method_id(two_due, "5454"), "invoice_id": [INVOICE_21]})
    assert response.status_code == 303 and response.headers["Location"] == "/invoices/pay-due"
    assert not several_sent(two_due)


def test_pay_all_due_a_declined_card_is_the_page_again_with_a_new_key(client, paying, two_due):
    two_due.payments.methods[0]["last_four"] = "0002"
    html = client.get("/invoices/pay-due", headers=paying).get_data(as_text=True)
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', html).group(1)
    response = client.post("/invoices/pay-due", headers=paying, data={
        "csrf_token": csrf_of_form(html, "/invoices/pay-due"), "idempotency_key": key, "balance": "full",
        "payment_method": two_due.payments.methods[0]["id"],
        "invoice_id": re.findall(r'name="invoice_id" value="([^"]+)"', html)})
    page = response.get_data(as_text=True)
    assert response.status_code == 402 and "Your card was declined. Try another card." in page
    assert '<h1 class="dashboard__title">Pay All Due</h1>' in page
    assert re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', page).group(1) != key
    assert not two_due.payments.payments
