"""A signed-in customer's saved payment methods on the real app and PostgreSQL, with the real payment
sandbox tokenizing (payment_fixtures.py): cards saved by their tokenizer token, bank accounts typed as
"Routing Number/Account Number" (checked, then tokenized by the processor), one default, expired cards
flagged, only the types the branch accepts; the email-receipts preference; paying with a saved card, and
from a saved bank account (pending until the sandbox settles or returns it; the worker's loop asks)."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from portal_billing.entrypoints.payments_api import PROCESSOR
from portal_billing.service_layer.payments import resolve_payments

from portal_testkit.pytest_plugin import BRANCH, TENANT, assert_problem

from .payment_fixtures import (  # noqa: F401 - fixtures
    APPROVED, BANK, EXPIRY, app, auths, balance, bank_payment, branch_settings, force, invoice, me, pay, processor,
    published, rows, sandbox_url, tokenize,
)

pytestmark = pytest.mark.integration

def add_card(me, tokenize, card=APPROVED, expiry=EXPIRY, **extra):
    response = me.post("/payment-methods", json={"kind": "card", "token": tokenize(card), "expiry": expiry, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_card_is_saved_by_its_token_with_brand_last_four_and_expiry_and_the_first_is_the_default(
        me, tokenize, db):
    saved = add_card(me, tokenize)
    assert (saved["kind"], saved["brand"], saved["last_four"], saved["expiry"], saved["expired"],
            saved["is_default"], saved["accepted"]) == ("card", "Visa", "1111", EXPIRY, False, True, True)
    assert "token" not in saved
    [stored] = rows(db, "SELECT token FROM payment_methods")
    assert stored["token"] != APPROVED and stored["token"].startswith("9")


def test_a_new_default_replaces_the_old_and_the_list_shows_the_default_first(me, tokenize):
    first = add_card(me, tokenize)
    second = add_card(me, tokenize, "5454545454545454", make_default=True)
    listed = me.get("/payment-methods").get_json()
    assert [(m["id"], m["is_default"], m["brand"]) for m in listed] == [
        (second["id"], True, "Mastercard"), (first["id"], False, "Visa")]
    assert me.post(f"/payment-methods/{first['id']}/default").get_json()["is_default"] is True
    assert [m["id"] for m in me.get("/payment-methods").get_json() if m["is_default"]] == [first["id"]]


def test_an_expired_card_is_refused_when_added_and_flagged_when_listed(me, tokenize, db):
    assert "expiry" in assert_problem(me.post("/payment-methods", json={
        "kind": "card", "token": tokenize(APPROVED), "expiry": "0120"}), 422)["errors"]
    saved = add_card(me, tokenize)
    with db.unit_of_work() as session:                                  # the months went by
        session.execute(sa.text("UPDATE payment_methods SET expiry = '0120'"))
    assert [m["expired"] for m in me.get("/payment-methods").get_json()] == [True]
    renewed = me.patch(f"/payment-methods/{saved['id']}", json={"expiry": EXPIRY}).get_json()
    assert (renewed["expiry"], renewed["expired"]) == (EXPIRY, False)


def test_a_bank_account_is_tokenized_by_the_processor_and_only_its_last_four_kept(me, db):
    response = me.post("/payment-methods", json={"kind": "ach", "account": BANK, "account_type": "savings"})
    assert response.status_code == 201, response.get_json()
    saved = response.get_json()
    assert (saved["kind"], saved["brand"], saved["last_four"], saved["expiry"], saved["expired"]) == (
        "ach", "Savings", "2233", None, False)
    [stored] = rows(db, "SELECT token FROM payment_methods")
    assert "1111222233" not in stored["token"] and "036001808" not in stored["token"]


@pytest.mark.parametrize(("account", "words"), [
    ("036001809/1111222233", "routing number is not valid"),     # the ABA checksum
    ("0360018081111222233", "single \"/\""),
    ("036001808/1111/222233", "single \"/\""),
    ("036001808/12", "4 to 17 digits"),
    ("03600180a/1111222233", "9-digit routing number"),
])
def test_a_bad_bank_account_is_a_422_naming_the_field(me, db, account, words):
    problem = assert_problem(me.post("/payment-methods", json={"kind": "ach", "account": account}), 422)
    assert words in problem["errors"]["account"][0]
    assert rows(db, "SELECT id FROM payment_methods") == []


def test_only_the_types_the_branch_accepts_can_be_added(me, tokenize, branch_settings):
    branch_settings(types=("card",))
    assert_problem(me.post("/payment-methods", json={"kind": "ach", "account": BANK}), 422,
                   "payment_type_not_accepted")
    branch_settings(types=("ach",))
    assert_problem(me.post("/payment-methods", json={"kind": "card", "token": tokenize(APPROVED),
                                                     "expiry": EXPIRY}), 422, "payment_type_not_accepted")


def test_deleting_the_default_makes_the_newest_other_the_default(me, tokenize):
    first = add_card(me, tokenize)
    second = add_card(me, tokenize, "4788250000028291")
    assert me.delete(f"/payment-methods/{first['id']}").status_code == 204
    assert [(m["id"], m["is_default"]) for m in me.get("/payment-methods").get_json()] == [(second["id"], True)]
    assert_problem(me.delete(f"/payment-methods/{first['id']}"), 404)


def test_another_contacts_methods_are_not_found(me, tokenize, customer_headers, known):
    saved = add_card(me, tokenize)
    other = customer_headers(TENANT, BRANCH, known["other"])
    assert me.get("/payment-methods", headers=other).get_json() == []
    assert_problem(me.patch(f"/payment-methods/{saved['id']}", json={"is_default": True}, headers=other), 404)
    assert_problem(me.delete(f"/payment-methods/{saved['id']}", headers=other), 404)


def test_email_receipts_are_off_until_the_customer_turns_them_on(me):
    assert me.get("/payment-preferences").get_json() == {"email_receipts": False}
    assert me.put("/payment-preferences", json={"email_receipts": True}).get_json() == {"email_receipts": True}
    assert me.get("/payment-preferences").get_json() == {"email_receipts": True}


# -- paying with a saved method ------------------------------------------------------------------------

def test_an_invoice_is_paid_with_a_saved_card(me, tokenize, invoice, app, customer_headers, known, sandbox_url):
    saved = add_card(me, tokenize)
    response = me.post(f"/invoices/{invoice}/payments", json={"payment_method_id": saved["id"]},
                       headers={**me.headers, "Idempotency-Key": uuid.uuid4().hex})
    assert response.status_code == 201, response.get_json()
    assert len(auths(sandbox_url, response.get_json()["id"])) == 1
    assert balance(app, customer_headers, known, invoice) == 0


def test_another_contacts_saved_method_cannot_pay(me, tokenize, invoice, customer_headers, known, grant):
    key = {"Idempotency-Key": uuid.uuid4().hex}
    card = add_card(me, tokenize)
    grant(TENANT, BRANCH, known["p1"], {known["me"]: ["Primary"], known["other"]: ["Billing"]}, revision=2)
    other = customer_headers(TENANT, BRANCH, known["other"])              # may pay now, but not with ME's card
    assert "payment_method_id" in assert_problem(me.post(f"/invoices/{invoice}/payments", json={
        "payment_method_id": card["id"]}, headers={**other, **key}), 422)["errors"]
    assert_problem(me.post(f"/invoices/{invoice}/payments", json={}, headers={**me.headers, **key}), 422)


# -- ACH: pending until the bank settles it --------------------------------------------------------------

def test_an_ach_payment_carries_no_fee_is_pending_and_holds_the_balance_until_the_bank_settles_it(
        bank_payment, app, db, invoice, customer_headers, known, sandbox_url):
    response = bank_payment(fee="3.00")
    assert response.status_code == 202, response.get_json()
    paid = response.get_json()
    assert (paid["method"], paid["status"], paid["amount_cents"], paid["fee_cents"]) == ("ach", "pending", 23_870, 0)
    assert auths(sandbox_url, paid["id"])[0]["amount"] == "238.70"
    assert balance(app, customer_headers, known, invoice) == 0
    assert resolve_payments(db, app.extensions[PROCESSOR]) == 0           # still pending: nothing to say
    assert published(db) == []

    force(sandbox_url, paid["id"], "settle")
    assert resolve_payments(db, app.extensions[PROCESSOR]) == 1
    assert [r["status"] for r in rows(db, "SELECT status FROM payments")] == ["succeeded"]
    assert [(e["payment_id"], e["method"], e["fee_cents"]) for e in published(db)] == [(paid["id"], "ach", 0)]
    assert resolve_payments(db, app.extensions[PROCESSOR]) == 0


def test_a_returned_ach_payment_reopens_the_balance(bank_payment, app, db, invoice, customer_headers, known,
                                                    sandbox_url):
    paid = bank_payment(account="036001808/9999000001").get_json()
    assert balance(app, customer_headers, known, invoice) == 0
    force(sandbox_url, paid["id"], "return")
    assert resolve_payments(db, app.extensions[PROCESSOR]) == 1
    [payment] = rows(db, "SELECT status, message FROM payments")
    assert payment["status"] == "returned" and "returned" in payment["message"]
    assert balance(app, customer_headers, known, invoice) == 23_870
    assert published(db) == []


def test_a_branch_that_takes_no_ach_refuses_a_saved_bank_account(me, invoice, branch_settings):
    bank = me.post("/payment-methods", json={"kind": "ach", "account": BANK}).get_json()
    branch_settings(types=("card",))
    assert_problem(me.post(f"/invoices/{invoice}/payments", json={"payment_method_id": bank["id"]},
                           headers={**me.headers, "Idempotency-Key": uuid.uuid4().hex}), 422,
                   "payment_type_not_accepted")


def test_two_first_saves_at_once_make_one_default_and_no_error(me, tokenize, db):
    """A double click on the first card: no row exists yet to lock, so the contact's changes are serialised
    another way; both are saved, exactly one is the default."""
    import threading

    tokens, answers = [tokenize(APPROVED), tokenize("4788250000028291")], []
    barrier = threading.Barrier(2)

    def save(token):
        barrier.wait()
        answers.append(me.post("/payment-methods", json={"kind": "card", "token": token, "expiry": EXPIRY}))

    threads = [threading.Thread(target=save, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(a.status_code for a in answers) == [201, 201], [a.get_json() for a in answers]
    assert [r["is_default"] for r in rows(db, "SELECT is_default FROM payment_methods ORDER BY is_default")] == [
        False, True]


def test_a_token_with_a_trailing_newline_is_refused(me, tokenize):
    response = me.post("/payment-methods", json={"kind": "card", "token": tokenize(APPROVED) + "\n",
                                                 "expiry": EXPIRY})
    assert response.status_code == 422, response.get_json()
