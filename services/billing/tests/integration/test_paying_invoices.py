"""Paying an invoice by card: the real app on a real PostgreSQL database, charging through
CardPointeProcessor against the real payment sandbox (payment_fixtures.py). Nothing is faked but one
processor whose inquiries never get through. The branch's payment settings arrive as portal-config's
`portal_settings_updated`, applied by the billing.settings consumer's handler.

The dangerous paths: one Idempotency-Key authorises once however often it is sent (fifty at once);
two payments whose sum exceeds the balance cannot both pass; a decline changes nothing; a timeout is
inquired and recorded once; only who may pay can pay, and only their tenant's invoices."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal_billing.adapters.processor import CardPointeProcessor, ProcessorSettings, ProcessorUnavailable
from portal_billing.entrypoints.payments_api import PROCESSOR
from portal_billing.service_layer.payments import resolve_payments
from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, assert_problem

from .conftest import single
from .payment_fixtures import (  # noqa: F401 - fixtures
    APPROVED, DECLINED, EXPIRY, MERCHID, TIMEOUT, app, auths, balance, branch_settings, invoice, pay, published, rows,
    processor, sandbox_url, tokenize,
)

pytestmark = pytest.mark.integration


# -- paying ------------------------------------------------------------------------------------------

def test_paying_the_full_balance_charges_it_once_records_it_and_publishes_payment_succeeded(
        app, db, pay, invoice, customer_headers, known, sandbox_url):
    response = pay(invoice)
    assert response.status_code == 201, response.get_json()
    paid = response.get_json()
    assert (paid["amount_cents"], paid["fee_cents"], paid["charged_cents"], paid["status"]) == (
        23_870, 0, 23_870, "succeeded")
    assert balance(app, customer_headers, known, invoice) == 0
    [auth] = auths(sandbox_url, paid["id"])
    assert auth["amount"] == "238.70"
    [event] = published(db)
    assert (event["payment_id"], event["invoice_id"], event["invoice_external_id"], event["amount_cents"],
            event["fee_cents"], event["method"]) == (paid["id"], invoice, "inv-18", 23_870, 0, "card")
    assert event["processor_reference"] == auth["retref"]


def test_fifty_concurrent_requests_with_one_key_authorise_once_and_all_get_the_same_payment(
        app, db, pay, invoice, sandbox_url):
    key = uuid.uuid4().hex
    barrier = threading.Barrier(50)

    def once(_):
        client = app.test_client()
        barrier.wait()
        return pay(invoice, key=key, client=client)

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(once, range(50)))
    statuses = sorted({a.status_code for a in answers})
    assert set(statuses) <= {201, 409}, statuses
    [payment] = rows(db, "SELECT id::text, status FROM payments")
    assert payment["status"] == "succeeded"
    assert len(auths(sandbox_url, payment["id"])) == 1
    assert all(a.get_json()["id"] == payment["id"] for a in answers if a.status_code == 201)
    retry = pay(invoice, key=key)                       # the retry after the dust settles: the first answer again
    assert (retry.status_code, retry.get_json()["id"], retry.headers["Idempotent-Replayed"]) == (
        201, payment["id"], "true")
    assert len(published(db)) == 1


def test_the_same_key_with_other_parameters_is_refused(pay, invoice, branch_settings):
    branch_settings(partial=True)
    key = uuid.uuid4().hex
    assert pay(invoice, key=key, amount="10.00").status_code == 201
    problem = assert_problem(pay(invoice, key=key, amount="20.00"), 422, "idempotency_key_reused")
    assert "Idempotency-Key" in problem["errors"]


def test_a_payment_without_an_idempotency_key_is_refused(app, customer_headers, known, invoice, tokenize):
    response = app.test_client().post(f"/invoices/{invoice}/payments", json={"token": tokenize(APPROVED),
                                                                            "expiry": EXPIRY},
                                      headers=customer_headers(TENANT, BRANCH, known["me"]))
    assert_problem(response, 422, "idempotency_key_missing")


def test_two_concurrent_payments_exceeding_the_balance_one_is_refused_and_it_never_goes_below_zero(
        app, db, pay, invoice, branch_settings, customer_headers, known):
    branch_settings(partial=True)
    barrier = threading.Barrier(2)

    def once(card):
        client = app.test_client()
        barrier.wait()
        return pay(invoice, card=card, amount="150.00", client=client)

    with ThreadPoolExecutor(max_workers=2) as pool:    # the timeout card keeps the first at the processor for 0.5 s+
        answers = list(pool.map(once, [TIMEOUT, APPROVED]))
    assert sorted(a.status_code for a in answers) == [201, 422], [a.get_json() for a in answers]
    refused = next(a for a in answers if a.status_code == 422)
    assert "amount" in refused.get_json()["errors"]
    assert balance(app, customer_headers, known, invoice) == 23_870 - 15_000
    assert [r["status"] for r in rows(db, "SELECT status FROM payments")] == ["succeeded"]


def test_a_declined_card_says_why_in_plain_words_and_changes_nothing(
        app, db, pay, invoice, customer_headers, known):
    problem = assert_problem(pay(invoice, card=DECLINED), 402, "payment_declined")
    assert "Your card was declined" in problem["detail"]
    assert balance(app, customer_headers, known, invoice) == 23_870
    assert published(db) == []
    assert pay(invoice).status_code == 201              # and the balance is still there to pay with another card


def test_a_timeout_is_inquired_and_the_payment_recorded_once(app, db, pay, invoice, sandbox_url, customer_headers,
                                                             known):
    response = pay(invoice, card=TIMEOUT)
    assert response.status_code == 201, response.get_json()
    assert len(auths(sandbox_url, response.get_json()["id"])) == 1
    assert balance(app, customer_headers, known, invoice) == 0
    assert len(published(db)) == 1


# -- who may pay -------------------------------------------------------------------------------------

def test_a_contact_without_pay_who_is_not_the_billing_contact_is_refused(pay, invoice, known, db):
    assert_problem(pay(invoice, who=known["other"]), 403, "may_not_pay")   # "Other" on P1, billed to ME
    assert rows(db, "SELECT id FROM payments") == []


def test_another_tenants_invoice_is_not_found(app_client, back_office, pay, known, branch_settings):
    branch_settings()
    other = app_client.put("/integration/invoices/inv-p5", json=single("50", "p5", "10.00"),
                           headers=back_office(OTHER_TENANT)).get_json()["id"]
    assert_problem(pay(other), 404)


def test_a_refused_request_can_be_sent_again_with_its_key_once_it_is_fixed(pay, invoice, known):
    key = uuid.uuid4().hex
    assert_problem(pay(invoice, key=key, amount="1.00"), 422)            # no partial payments in this branch
    assert_problem(pay(invoice, key=key, amount="1.00"), 422)            # nothing was kept: refused again
    assert pay(invoice, key=key).status_code == 201                     # fixed: the full balance, same key


# -- the branch's rules: partial payments, the card fee ----------------------------------------------

def test_without_partial_payments_only_the_full_balance_is_taken(pay, invoice):
    problem = assert_problem(pay(invoice, amount="100.00"), 422)
    assert "amount" in problem["errors"]
    assert pay(invoice, amount="238.70").status_code == 201


@pytest.mark.parametrize(("amount", "message"), [("0.99", "at least 1.00"), ("238.71", "at most the balance")])
def test_a_partial_payment_is_at_least_a_dollar_and_at_most_the_balance(pay, invoice, branch_settings, amount,
                                                                        message):
    branch_settings(partial=True)
    problem = assert_problem(pay(invoice, amount=amount), 422)
    assert message in problem["errors"]["amount"][0]


def test_a_partial_payment_lowers_the_balance_by_its_amount(app, pay, invoice, branch_settings, customer_headers,
                                                            known):
    branch_settings(partial=True)
    assert pay(invoice, amount="100.00").status_code == 201
    assert balance(app, customer_headers, known, invoice) == 13_870
    assert_problem(pay(invoice, amount="138.71"), 422)
    assert pay(invoice, amount="138.70").status_code == 201
    assert balance(app, customer_headers, known, invoice) == 0
    assert_problem(pay(invoice), 422, "nothing_due")


def test_a_card_payment_carries_the_branchs_convenience_fee_on_top(app, pay, invoice, branch_settings, sandbox_url,
                                                                   customer_headers, known):
    branch_settings(fee="3.00")
    paid = pay(invoice).get_json()
    assert (paid["amount_cents"], paid["fee_cents"], paid["charged_cents"]) == (23_870, 716, 24_586)
    assert auths(sandbox_url, paid["id"])[0]["amount"] == "245.86"
    assert balance(app, customer_headers, known, invoice) == 0          # the fee is not the invoice's


def test_a_branch_that_does_not_take_cards_refuses_a_card_payment(pay, invoice, branch_settings):
    branch_settings(types=("ach",))
    assert_problem(pay(invoice), 422, "payment_type_not_accepted")
    branch_settings(electronic=False)
    assert_problem(pay(invoice), 422, "payment_type_not_accepted")


# -- lost answers: the worker's loop asks the processor ----------------------------------------------

class InquiryDown(CardPointeProcessor):
    """The real adapter whose inquiries never get through (the processor's status page is down)."""

    def inquire(self, order_id):
        raise ProcessorUnavailable("inquiry down")


@pytest.fixture
def real_processor(app):
    return app.extensions[PROCESSOR]


def test_a_charge_whose_answer_and_inquiry_were_lost_stays_unknown_and_held_until_the_worker_finds_it(
        app, db, pay, invoice, sandbox_url, customer_headers, known, real_processor):
    app.extensions[PROCESSOR] = InquiryDown(real_processor.settings, inquiry_wait_seconds=0.1)
    key = uuid.uuid4().hex
    response = pay(invoice, card=TIMEOUT, key=key)
    assert (response.status_code, response.get_json()["status"]) == (202, "unknown")
    payment_id = response.get_json()["id"]
    assert balance(app, customer_headers, known, invoice) == 0            # held: nobody can pay it twice
    assert published(db) == []

    assert resolve_payments(db, real_processor) == 1
    assert resolve_payments(db, real_processor) == 0                      # once
    [payment] = rows(db, "SELECT status FROM payments")
    assert payment["status"] == "succeeded"
    assert len(auths(sandbox_url, payment_id)) == 1
    assert [e["payment_id"] for e in published(db)] == [payment_id]
    retry = pay(invoice, card=TIMEOUT, key=key)                          # the retry hears how it ended
    assert (retry.status_code, retry.get_json()["status"]) == (201, "succeeded")


def test_a_charge_that_never_reached_the_processor_is_released_by_the_worker(
        app, db, pay, invoice, customer_headers, known, real_processor):
    unreachable = ProcessorSettings(url="http://127.0.0.1:9/cardconnect/rest", merchant_id=MERCHID,
                                    connect_timeout=0.5, read_timeout=0.5)
    app.extensions[PROCESSOR] = InquiryDown(unreachable, inquiry_wait_seconds=0.1)
    key = uuid.uuid4().hex
    assert pay(invoice, key=key).status_code == 202
    assert balance(app, customer_headers, known, invoice) == 0
    # At once, "not found" may mean "not arrived yet": the hold stays, so nobody pays twice.
    assert resolve_payments(db, real_processor) == 0
    assert [r["status"] for r in rows(db, "SELECT status FROM payments")] == ["unknown"]
    assert balance(app, customer_headers, known, invoice) == 0
    # Once the request can no longer arrive, the sandbox never having seen the order means not charged.
    assert resolve_payments(db, real_processor, processing_after=timedelta(0)) == 1
    assert [r["status"] for r in rows(db, "SELECT status FROM payments")] == ["declined"]
    assert balance(app, customer_headers, known, invoice) == 23_870
    assert pay(invoice, key=key).status_code == 402                       # that key's answer: not charged
    app.extensions[PROCESSOR] = real_processor
    assert pay(invoice).status_code == 201


def test_the_worker_leaves_a_payment_still_at_the_processor_alone_until_it_is_abandoned(
        db, invoice, known, real_processor):
    payment_id = str(uuid.uuid4())
    with db.unit_of_work() as session:
        session.execute(sa.text(
            "INSERT INTO payments (id, tenant_id, property_id, invoice_id, contact_id, method, amount_cents, status) "
            "VALUES (:id, :t, :p, :i, :c, 'card', 500, 'processing')"),
            {"id": payment_id, "t": TENANT, "p": known["p1"], "i": invoice, "c": known["me"]})
    assert resolve_payments(db, real_processor) == 0
    assert resolve_payments(db, real_processor, processing_after=timedelta(0)) == 1
    assert [r["status"] for r in rows(db, "SELECT status FROM payments")] == ["declined"]


# -- the branch's payment settings (billing.settings consumer) ----------------------------------------

def test_the_newest_settings_version_wins_and_another_tenant_cannot_overwrite_a_branch(db, branch_settings):
    from portal_billing.service_layer.payment_settings import payment_rules

    def rules():
        with db.unit_of_work() as session:
            return payment_rules(session, tenant_id=TENANT, branch_id=BRANCH)

    assert rules().electronic_payments is False                          # not heard of yet: no payments
    branch_settings(partial=True, fee="2.50")
    assert (rules().partial_payments, str(rules().card_convenience_fee_percent), rules().accepts("card")) == (
        True, "2.50", True)
    branch_settings(types=("ach",))
    assert (rules().accepts("card"), rules().accepts("ach"), rules().partial_payments) == (False, True, False)
    assert branch_settings(partial=True, version=1) is False                # an older version changes nothing
    assert rules().partial_payments is False
    assert branch_settings(tenant=OTHER_TENANT, version=99) is False        # the branch is TENANT's
    assert rules().accepts("ach")


def test_the_same_amount_written_differently_is_the_same_request(pay, invoice, branch_settings):
    branch_settings(partial=True)
    key = uuid.uuid4().hex
    first = pay(invoice, key=key, amount="100.00")
    again = pay(invoice, key=key, amount="100.0")
    assert (first.status_code, again.status_code, again.get_json()["id"]) == (201, 201, first.get_json()["id"])


def test_a_payment_the_worker_cannot_ask_about_does_not_hold_up_the_others(db, invoice, known, real_processor):
    class Broken(type(real_processor)):
        """The processor's inquiry answers something the adapter cannot read for one order."""

        def inquire(self, order_id):
            if order_id == stuck:
                raise RuntimeError("an answer the adapter cannot read")
            return super().inquire(order_id)

    stuck, fine = str(uuid.uuid4()), str(uuid.uuid4())
    with db.unit_of_work() as session:
        for payment_id in (stuck, fine):  # `stuck` first in the queue
            session.execute(sa.text(
                "INSERT INTO payments (id, tenant_id, property_id, invoice_id, contact_id, method, amount_cents, "
                "status, created_at, updated_at) VALUES (:id, :t, :p, :i, :c, 'card', 500, 'unknown', "
                "now() - interval '1 hour', now() - interval '1 hour')"),
                {"id": payment_id, "t": TENANT, "p": known["p1"], "i": invoice, "c": known["me"]})
    broken = Broken(real_processor.settings, inquiry_wait_seconds=0.1)
    assert resolve_payments(db, broken) == 1  # `fine` was never charged (the sandbox never saw it)
    statuses = {r["id"]: r["status"] for r in rows(db, "SELECT id::text, status FROM payments")}
    assert statuses == {stuck: "unknown", fine: "declined"}
