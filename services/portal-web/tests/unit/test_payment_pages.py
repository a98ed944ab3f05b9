"""The payments pages (seed 002 "Pay Invoice Dialog", "Manage Payments", "Adding a Card/an ACH Payment
Method", "Electronic Receipts") against the billing double (billing_payments_double.py): what the
dialog offers and computes, what it sends billing (one Idempotency-Key per dialog), what the customer
reads after a payment, a decline or a refusal, and the saved methods' pages."""
from __future__ import annotations

import re

import pytest

INVOICE_18 = "9b1f6c1e-0000-4000-8000-000000000018"   # the billing double's invoice #18 ($238.70 due)
TOKENIZER = "https://tokenizer.processor.example/itoke/ajax-tokenizer.html"
TOKENIZER_ORIGIN = "https://tokenizer.processor.example"
GOOD_TOKEN, DECLINED_TOKEN = "9411234567891111", "9401234567890002"


@pytest.fixture
def tokenizer_url() -> str:
    return TOKENIZER


@pytest.fixture
def app(make_app, tokenizer_url):
    return make_app(PAYMENT_TOKENIZER_URL=tokenizer_url) if tokenizer_url else make_app()


@pytest.fixture
def paying(as_customer, brand):
    """A customer of a branch that takes cards and ACH, partial payments, a 3.00 % card fee."""
    brand(as_customer, electronic_payments=True, accepted_payment_types=["card", "ach"], partial_payments=True,
          card_convenience_fee_percent="3.00")
    return as_customer


def page(client, path, headers):
    response = client.get(path, headers=headers)
    return response, response.get_data(as_text=True)


def hidden(html: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"|<input[^>]*value="([^"]*)"[^>]*name="{name}"',
                     html).group(1) or ""


def pay_form(html: str, **fields) -> dict:
    data = {"csrf_token": hidden(html, "csrf_token"), "idempotency_key": hidden(html, "idempotency_key"),
            "balance": "full", "save_method": "y", "make_default": "y", "use_default_address": "y"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def method_id(services, last_four: str) -> str:
    return next(m["id"] for m in services.payments.methods if m["last_four"] == last_four)


def payments_sent(services) -> list[dict]:
    return [r for r in services.payments.requests if "invoice_id" in r]


# -- the dialog ---------------------------------------------------------------------------------------

def test_the_dialog_offers_full_or_other_amount_saved_methods_but_expired_cards_and_the_card_fee(client, paying, services):
    response, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    assert response.status_code == 200
    assert "<h1 class=\"dashboard__title\">Pay Invoice</h1>" in html
    assert "Full Balance" in html and "Other Amount" in html
    assert "Mastercard ****5454 (default)" in html and "Checking ****6789" in html
    assert "Visa ****1111" not in html                        # expired: hidden from the dialog
    assert "Add a card" in html and "Add a bank account (ACH Transfer)" in html
    assert re.search(r'data-fee>\$7\.16<', html)              # 3.00 % of $238.70, half up
    assert re.search(r'data-total>\$245\.86<', html)
    assert re.fullmatch(r"[0-9a-f-]{36}", hidden(html, "idempotency_key"))
    assert ">Pay Invoices</button>" in html and f'<a href="/invoices/{INVOICE_18}">Cancel</a>' in html
    assert f'src="{TOKENIZER}?origin=http://north.localhost:8080"' in html   # the browser's origin, not the upstream Host
    assert f'data-tokenizer-origin="{TOKENIZER_ORIGIN}"' in html
    assert not payments_sent(services)


def test_the_page_may_frame_the_tokenizers_origin_and_nothing_else(client, paying, services):
    response, _ = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    policy = response.headers["Content-Security-Policy"]
    assert f"frame-src {TOKENIZER_ORIGIN}" in policy and policy.count("frame-src") == 1
    assert "script-src 'self'" in policy
    other, _ = page(client, f"/invoices/{INVOICE_18}", paying)
    assert "frame-src" not in other.headers["Content-Security-Policy"]


def test_every_drawing_of_the_dialog_has_its_own_key(client, paying, services):
    first = hidden(page(client, f"/invoices/{INVOICE_18}/pay", paying)[1], "idempotency_key")
    second = hidden(page(client, f"/invoices/{INVOICE_18}/pay", paying)[1], "idempotency_key")
    assert first != second


def test_without_partial_payments_there_is_no_other_amount(client, as_customer, brand, services):
    brand(as_customer, electronic_payments=True, accepted_payment_types=["card"], partial_payments=False,
          card_convenience_fee_percent="0.00")
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", as_customer)
    assert "Other Amount" not in html and "Full Balance" in html
    assert "Add a bank account" not in html and "Checking ****6789" not in html   # the branch takes cards only


def test_a_branch_without_electronic_payments_has_no_dialog_and_no_manage_payments(client, as_customer, services):
    assert client.get(f"/invoices/{INVOICE_18}/pay", headers=as_customer).status_code == 404
    assert client.get("/payments", headers=as_customer).status_code == 404
    assert "Manage Payments" not in page(client, "/", as_customer)[1]


def test_manage_payments_is_under_the_user_icon_when_the_branch_takes_payments(client, paying, services):
    assert '<a class="user-menu__item" href="/payments">Manage Payments</a>' in page(client, "/", paying)[1]


def test_someone_billing_does_not_let_pay_is_sent_back_to_the_invoice(client, paying, services):
    services.may_pay = False
    response = client.get(f"/invoices/{INVOICE_18}/pay", headers=paying)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/invoices/{INVOICE_18}")
    assert "Only the property&#39;s Primary contact" in page(client, f"/invoices/{INVOICE_18}", paying)[1]


@pytest.mark.parametrize("amount, message", [
    ("0.50", "Enter at least $1.00."),
    ("238.71", "Enter at most the balance, $238.70."),
    ("ten dollars", "Enter the amount in dollars and cents, e.g. 100.00."),
])
def test_another_amount_is_at_least_a_dollar_and_at_most_the_balance(client, paying, services, amount, message):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    response = client.post(f"/invoices/{INVOICE_18}/pay", headers=paying, data=pay_form(
        html, balance="other", amount=amount, payment_method=method_id(services, "5454")))
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert not payments_sent(services)


# -- paying ---------------------------------------------------------------------------------------------

def test_paying_the_full_balance_with_a_saved_card_sends_the_dialogs_key_and_shows_the_outcome(client, paying, services):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    key, card = hidden(html, "idempotency_key"), method_id(services, "5454")
    response = client.post(f"/invoices/{INVOICE_18}/pay", headers=paying, data=pay_form(html, payment_method=card))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/invoices/{INVOICE_18}")
    [sent] = payments_sent(services)
    assert sent["key"] == f'"{key}"' and sent["json"] == {"amount": None, "payment_method_id": card}
    after = page(client, f"/invoices/{INVOICE_18}", paying)[1]
    assert "Payment received: $238.70 (plus a $7.16 Convenience Fee). New balance:" in after


def test_a_double_click_or_a_retry_sends_the_same_key_and_pays_once(client, paying, services):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    data = pay_form(html, balance="other", amount="100.00", payment_method=method_id(services, "5454"))
    for _ in range(2):
        assert client.post(f"/invoices/{INVOICE_18}/pay", headers=paying, data=data).status_code == 303
    first, second = payments_sent(services)
    assert first["key"] == second["key"] and first["json"] == second["json"] == {
        "amount": "100.00", "payment_method_id": method_id(services, "5454")}
    assert len(services.payments.payments) == 1


def test_a_new_card_pays_with_its_token_and_is_saved_afterwards(client, paying, services):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    response = client.post(f"/invoices/{INVOICE_18}/pay", headers=paying, data=pay_form(
        html, balance="other", amount="50", payment_method="new-card", token=GOOD_TOKEN, expiry="1230"))
    assert response.status_code == 303
    [sent] = payments_sent(services)
    assert sent["json"] == {"amount": "50.00", "token": GOOD_TOKEN, "expiry": "1230"}
    assert any(m["last_four"] == "1111" and m["expiry"] == "1230" and not m["expired"]
               for m in services.payments.methods)


def test_a_new_card_without_the_tokenizers_token_is_asked_for_again(client, paying, services):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    response = client.post(f"/invoices/{INVOICE_18}/pay", headers=paying,
                           data=pay_form(html, payment_method="new-card"))
    assert response.status_code == 422
    assert "Enter your card details and select Use this card" in response.get_data(as_text=True)
    assert not payments_sent(services)


def test_a_declined_card_shows_the_processors_reason_changes_nothing_and_gets_a_new_key(client, paying, services):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    key = hidden(html, "idempotency_key")
    response = client.post(f"/invoices/{INVOICE_18}/pay", headers=paying, data=pay_form(
        html, payment_method="new-card", token=DECLINED_TOKEN, expiry="1230"))
    again = response.get_data(as_text=True)
    assert response.status_code == 402
    assert "Your card was declined. Try another card." in again and 'role="alert"' in again
    assert hidden(again, "idempotency_key") not in ("", key)
    assert hidden(again, "token") == ""
    assert not services.payments.payments
    assert not any(m["last_four"] == "0002" for m in services.payments.methods)   # a declined card is not saved


def test_a_new_bank_account_is_saved_debited_and_shown_as_pending(client, paying, services):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    response = client.post(f"/invoices/{INVOICE_18}/pay", headers=paying, data=pay_form(
        html, payment_method="new-ach", account="036001808/1111222233"))
    assert response.status_code == 303
    saved = next(m for m in services.payments.methods if m["last_four"] == "2233")
    [sent] = payments_sent(services)
    assert sent["json"] == {"amount": None, "payment_method_id": saved["id"]}
    after = page(client, f"/invoices/{INVOICE_18}", paying)[1]
    assert "Your bank payment of $238.70 is pending" in after


def test_a_bank_account_not_to_be_saved_is_forgotten_after_paying(client, paying, services):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    data = pay_form(html, payment_method="new-ach", account="036001808/1111222233")
    del data["save_method"]
    assert client.post(f"/invoices/{INVOICE_18}/pay", headers=paying, data=data).status_code == 303
    assert len(payments_sent(services)) == 1
    assert not any(m["last_four"] == "2233" for m in services.payments.methods)


def test_a_bank_account_billing_refuses_shows_its_message_at_the_field(client, paying, services):
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", paying)
    response = client.post(f"/invoices/{INVOICE_18}/pay", headers=paying, data=pay_form(
        html, payment_method="new-ach", account="123456789/1111222233"))
    assert response.status_code == 422
    assert "That routing number is not valid" in response.get_data(as_text=True)
    assert not payments_sent(services)


# -- Manage Payments ---------------------------------------------------------------------------------

def test_manage_payments_lists_every_saved_method_with_the_default_marked(client, paying, services):
    response, html = page(client, "/payments", paying)
    assert response.status_code == 200
    assert "<h1 class=\"dashboard__title\">Payment Methods</h1>" in html
    assert html.count('class="method"') == 3
    assert re.search(r"Mastercard \*\*\*\*5454</span>.*?DEFAULT", html, re.S)
    assert re.search(r"Visa \*\*\*\*1111</span>.*?EXPIRED", html, re.S)
    assert "Email receipts enabled" in html and 'role="switch"' in html
    assert '<a class="button" href="/payments/add">Add Payment Method</a>' in html


def test_email_receipts_enabled_is_saved_at_billing(client, paying, services):
    _, html = page(client, "/payments", paying)
    response = client.post("/payments/receipts", headers=paying,
                           data={"csrf_token": hidden(html, "csrf_token"), "email_receipts": "y"})
    assert response.status_code == 303 and services.payments.email_receipts is True
    assert "Email receipts are on" in page(client, "/payments", paying)[1]
    client.post("/payments/receipts", headers=paying, data={"csrf_token": hidden(html, "csrf_token")})
    assert services.payments.email_receipts is False


def test_make_default_edit_and_delete(client, paying, services):
    _, html = page(client, "/payments", paying)
    token, ach, card = hidden(html, "csrf_token"), method_id(services, "6789"), method_id(services, "1111")
    assert client.post(f"/payments/{ach}/default", headers=paying, data={"csrf_token": token}).status_code == 303
    assert [m["last_four"] for m in services.payments.methods if m["is_default"]] == ["6789"]

    _, edit = page(client, f"/payments/{card}/edit", paying)
    assert 'value="01/2024"' in edit
    response = client.post(f"/payments/{card}/edit", headers=paying,
                           data={"csrf_token": token, "expiry": "2029"})
    assert response.status_code == 422 and "MM/YYYY" in response.get_data(as_text=True)
    client.post(f"/payments/{card}/edit", headers=paying, data={"csrf_token": token, "expiry": "09/2031"})
    assert next(m for m in services.payments.methods if m["id"] == card)["expiry"] == "0931"

    _, confirm = page(client, f"/payments/{card}/delete", paying)
    assert "Delete Visa ****1111?" in confirm
    assert any(m["id"] == card for m in services.payments.methods)   # asking is not deleting
    client.post(f"/payments/{card}/delete", headers=paying, data={"csrf_token": token})
    assert not any(m["id"] == card for m in services.payments.methods)


def test_add_payment_method_offers_card_and_ach_transfer_with_the_seeds_checkboxes(client, paying, services):
    _, html = page(client, "/payments/add", paying)
    assert ">Card</label>" in html and ">ACH Transfer</label>" in html
    assert "Routing Number/Account Number" in html
    for label in ("Save payment method", "Make this my default payment method", "Use default billing address"):
        assert label in html
    assert ">Save Payment Method</button>" in html
    assert 'title="Card details: card number, expiration date and CVV"' in html


def test_only_the_types_the_branch_accepts_are_offered(client, as_customer, brand, services):
    brand(as_customer, electronic_payments=True, accepted_payment_types=["ach"])
    _, html = page(client, "/payments/add", as_customer)
    assert ">ACH Transfer</label>" in html and ">Card</label>" not in html and "<iframe" not in html


def test_adding_a_bank_account_checks_it_at_billing_and_saves_it(client, paying, services):
    _, html = page(client, "/payments/add", paying)
    token = hidden(html, "csrf_token")
    refused = client.post("/payments/add", headers=paying, data={
        "csrf_token": token, "kind": "ach", "account": "123456789/1111222233", "save_method": "y"})
    assert refused.status_code == 422 and "That routing number is not valid" in refused.get_data(as_text=True)
    spaced = client.post("/payments/add", headers=paying, data={
        "csrf_token": token, "kind": "ach", "account": "036001808 / 1111222233", "save_method": "y"})
    assert spaced.status_code == 422 and "then the account number: digits only, no spaces." in spaced.get_data(as_text=True)
    saved = client.post("/payments/add", headers=paying, data={
        "csrf_token": token, "kind": "ach", "account": "036001808/1111222233", "save_method": "y"})
    assert saved.status_code == 303 and any(m["last_four"] == "2233" for m in services.payments.methods)


def test_adding_a_card_saves_only_the_tokenizers_token_and_expiry(client, paying, services):
    _, html = page(client, "/payments/add", paying)
    token = hidden(html, "csrf_token")
    missing = client.post("/payments/add", headers=paying, data={"csrf_token": token, "kind": "card", "save_method": "y"})
    assert missing.status_code == 422 and "Enter your card details" in missing.get_data(as_text=True)
    client.post("/payments/add", headers=paying, data={"csrf_token": token, "kind": "card", "token": GOOD_TOKEN,
                                                        "expiry": "1230", "save_method": "y", "make_default": "y"})
    sent = [r for r in services.payments.requests if r.get("path") == "/payment-methods"]
    assert sent[-1]["json"] == {"kind": "card", "token": GOOD_TOKEN, "expiry": "1230", "make_default": True}


@pytest.mark.parametrize("tokenizer_url", [""])
def test_without_a_tokenizer_cards_cannot_be_added_but_saved_methods_still_pay(client, as_customer, brand, services):
    brand(as_customer, electronic_payments=True, accepted_payment_types=["card"])
    response, html = page(client, f"/invoices/{INVOICE_18}/pay", as_customer)
    assert "Cards can't be added right now." in html and "<iframe" not in html
    assert "frame-src" not in response.headers["Content-Security-Policy"]
    assert "Mastercard ****5454" in html


def test_a_branch_without_partial_payments_pays_the_full_balance_whatever_is_typed(client, as_customer, brand, services):
    brand(as_customer, electronic_payments=True, accepted_payment_types=["card"], partial_payments=False)
    _, html = page(client, f"/invoices/{INVOICE_18}/pay", as_customer)
    data = pay_form(html, payment_method=method_id(services, "5454"), amount="5.00")
    del data["balance"]                                  # the dialog has no Full Balance / Other Amount choice here
    assert client.post(f"/invoices/{INVOICE_18}/pay", headers=as_customer, data=data).status_code == 303
    assert payments_sent(services)[0]["json"]["amount"] is None
