"""Paying several due invoices with one payment (`POST /payments`): the real app on PostgreSQL, charging
through CardPointeProcessor against the real payment sandbox (payment_fixtures.py).

One charge at the processor and one Idempotency-Key for the lot; each invoice keeps its own guard (its
row lock, who may pay it — the property's Primary or the invoice's Billing contact — and its balance);
a total is allocated oldest first unless the customer gives an amount per invoice; `payment_succeeded`
lists the allocations and names the first (oldest) invoice in its v1 fields."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal_testkit.pytest_plugin import BRANCH, TENANT, assert_problem

from .conftest import single
from .payment_fixtures import (  # noqa: F401 - fixtures
    APPROVED, BANK, DECLINED, EXPIRY, app, auths, balance, branch_settings, force, invoice, me, pay, processor,
    published, rows, sandbox_url, tokenize,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def invoices(app_client, back_office, known, branch_settings):
    """put(number, property_key, total, date) → the id of a sent invoice billed to nobody in particular."""
    branch_settings()

    def put(number, property_key, total, date):
        response = app_client.put(f"/integration/invoices/inv-{number}",
                                  json=single(number, property_key, total, date=date), headers=back_office(TENANT))
        assert response.status_code == 200, response.get_json()
        return response.get_json()["id"]
    return put


@pytest.fixture
def pay_several(app, customer_headers, known, tokenize):
    """pay_several(body, key=<new>, who=ME, card=APPROVED, client=<new>): POST /payments with a card token."""
    def post(body, *, key=None, who=None, card=APPROVED, client=None):
        headers = {**customer_headers(TENANT, BRANCH, who or known["me"]),
                   "Idempotency-Key": key or uuid.uuid4().hex}
        source = {} if "payment_method_id" in body else {"token": tokenize(card), "expiry": EXPIRY}
        return (client or app.test_client()).post("/payments", json={**source, **body}, headers=headers)
    return post


def owed(app, customer_headers, known, *ids) -> list[int]:
    return [balance(app, customer_headers, known, i) for i in ids]


def test_two_chosen_invoices_are_paid_in_full_with_one_charge_oldest_first(
        app, db, invoices, pay_several, sandbox_url, customer_headers, known):
    newer = invoices("31", "p1", "20.00", "2024-09-01")
    older = invoices("30", "p2", "10.00", "2024-08-01")                   # ME is Billing on P2: may pay
    response = pay_several({"invoices": [{"invoice_id": newer}, {"invoice_id": older}]})
    assert response.status_code == 201, response.get_json()
    paid = response.get_json()
    assert (paid["amount_cents"], paid["invoice_id"], paid["status"]) == (3_000, older, "succeeded")
    assert [(a["invoice_id"], a["amount_cents"]) for a in paid["allocations"]] == [(older, 1_000), (newer, 2_000)]
    [auth] = auths(sandbox_url, paid["id"])
    assert auth["amount"] == "30.00"                                      # one charge for the lot
    assert owed(app, customer_headers, known, older, newer) == [0, 0]
    [event] = published(db)
    assert (event["invoice_id"], event["invoice_external_id"], event["invoice_number"], event["amount_cents"]) == (
        older, "inv-30", "30", 3_000)
    assert event["allocations"] == [
        {"invoice_id": older, "invoice_external_id": "inv-30", "invoice_number": "30", "amount_cents": 1_000,
         "balance_cents": 0},
        {"invoice_id": newer, "invoice_external_id": "inv-31", "invoice_number": "31", "amount_cents": 2_000,
         "balance_cents": 0}]


def test_a_total_is_allocated_oldest_first(app, invoices, pay_several, branch_settings, customer_headers, known):
    branch_settings(partial=True)
    newer = invoices("41", "p1", "20.00", "2024-09-01")
    older = invoices("40", "p1", "10.00", "2024-08-01")
    paid = pay_several({"invoices": [{"invoice_id": newer}, {"invoice_id": older}], "amount": "15.00"}).get_json()
    assert [(a["invoice_id"], a["amount_cents"]) for a in paid["allocations"]] == [(older, 1_000), (newer, 500)]
    assert owed(app, customer_headers, known, older, newer) == [0, 1_500]
    only_oldest = pay_several({"invoices": [{"invoice_id": newer}], "amount": "5.00"}).get_json()
    assert [(a["invoice_id"], a["amount_cents"]) for a in only_oldest["allocations"]] == [(newer, 500)]


def test_amounts_per_invoice_are_taken_as_given_and_each_checked_against_its_balance(
        app, db, invoices, pay_several, branch_settings, customer_headers, known):
    branch_settings(partial=True)
    first = invoices("50", "p1", "10.00", "2024-08-01")
    second = invoices("51", "p1", "20.00", "2024-09-01")
    problem = assert_problem(pay_several({"invoices": [{"invoice_id": first, "amount": "5.00"},
                                                       {"invoice_id": second, "amount": "20.01"}]}), 422)
    assert "invoices.1.amount" in problem["errors"] and "#51" in problem["errors"]["invoices.1.amount"][0]
    assert rows(db, "SELECT id FROM payments") == []                      # nothing kept
    paid = pay_several({"invoices": [{"invoice_id": first, "amount": "5.00"}, {"invoice_id": second}]}).get_json()
    assert [a["amount_cents"] for a in paid["allocations"]] == [500, 2_000]
    assert owed(app, customer_headers, known, first, second) == [500, 0]


def test_without_partial_payments_a_total_must_be_the_whole_of_the_chosen_balances(invoices, pay_several):
    first = invoices("60", "p1", "10.00", "2024-08-01")
    second = invoices("61", "p1", "20.00", "2024-09-01")
    chosen = [{"invoice_id": first}, {"invoice_id": second}]
    assert "amount" in assert_problem(pay_several({"invoices": chosen, "amount": "15.00"}), 422)["errors"]
    assert "invoices.0.amount" in assert_problem(
        pay_several({"invoices": [{"invoice_id": first, "amount": "5.00"}, {"invoice_id": second}]}), 422)["errors"]
    assert pay_several({"invoices": chosen, "amount": "30.00"}).status_code == 201


def test_pay_all_due_pays_every_due_invoice_the_customer_may_pay_and_no_other(
        app, db, invoices, pay_several, grant, customer_headers, known, sandbox_url):
    grant(TENANT, BRANCH, known["p3"], {known["other"]: ["Primary"], known["me"]: ["Other"]}, revision=2)
    mine_p1 = invoices("70", "p1", "10.00", "2024-08-01")
    mine_p2 = invoices("71", "p2", "20.00", "2024-07-01")
    not_mine = invoices("72", "p3", "40.00", "2024-06-01")                 # ME sees it (Other) but may not pay
    invoices("73", "p4", "80.00", "2024-06-01")                            # another branch's portal
    invoices("74", "p1", "5.00", "2024-06-01")
    assert pay_several({"invoices": [{"invoice_id": "00000000-0000-0000-0000-000000000000"}]}).status_code == 404
    assert_problem(pay_several({"invoices": [{"invoice_id": mine_p1}, {"invoice_id": not_mine}]}), 403,
                   "may_not_pay")
    response = pay_several({"all_due": True})
    assert response.status_code == 201, response.get_json()
    paid = response.get_json()
    assert paid["amount_cents"] == 3_500
    assert [a["invoice_number"] for a in paid["allocations"]] == ["74", "71", "70"]     # oldest first
    assert owed(app, customer_headers, known, mine_p1, mine_p2) == [0, 0]
    assert len(auths(sandbox_url, paid["id"])) == 1
    assert_problem(pay_several({"all_due": True}), 422, "nothing_due")


def test_one_key_pays_once_and_its_retry_hears_the_first_answer(invoices, pay_several, sandbox_url):
    first = invoices("80", "p1", "10.00", "2024-08-01")
    second = invoices("81", "p1", "20.00", "2024-09-01")
    key, body = uuid.uuid4().hex, {"invoices": [{"invoice_id": first}, {"invoice_id": second}]}
    answers = []
    barrier = threading.Barrier(10)

    def once(_):
        barrier.wait()
        return pay_several(body, key=key)

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(once, range(10)))
    assert {a.status_code for a in answers} <= {201, 409}
    payment_id = next(a for a in answers if a.status_code == 201).get_json()["id"]
    assert len(auths(sandbox_url, payment_id)) == 1
    retry = pay_several(body, key=key)
    assert (retry.status_code, retry.get_json()["id"], retry.headers["Idempotent-Replayed"]) == (201, payment_id,
                                                                                                 "true")
    assert_problem(pay_several({"invoices": [{"invoice_id": first}]}, key=key), 422, "idempotency_key_reused")


def test_two_concurrent_payments_of_overlapping_invoices_cannot_both_pass(
        app, db, invoices, pay_several, customer_headers, known):
    first = invoices("90", "p1", "10.00", "2024-08-01")
    second = invoices("91", "p2", "20.00", "2024-09-01")
    barrier = threading.Barrier(2)

    def once(body):
        barrier.wait()
        return pay_several(body, client=app.test_client())

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(once, [{"invoices": [{"invoice_id": second}, {"invoice_id": first}]},
                                       {"invoices": [{"invoice_id": first}, {"invoice_id": second}]}]))
    assert sorted(a.status_code for a in answers) == [201, 422], [a.get_json() for a in answers]
    assert owed(app, customer_headers, known, first, second) == [0, 0]
    assert [r["status"] for r in rows(db, "SELECT status FROM payments")] == ["succeeded"]


def test_two_concurrent_pay_all_due_requests_pay_each_invoice_once(
        app, db, invoices, pay_several, customer_headers, known, sandbox_url):
    first = invoices("92", "p1", "10.00", "2024-08-01")
    second = invoices("93", "p2", "20.00", "2024-09-01")
    barrier = threading.Barrier(2)

    def once(_):
        barrier.wait()
        return pay_several({"all_due": True}, client=app.test_client())

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(once, range(2)))
    assert sorted(a.status_code for a in answers) == [201, 422], [a.get_json() for a in answers]
    assert next(a for a in answers if a.status_code == 422).get_json()["code"] == "nothing_due"
    assert owed(app, customer_headers, known, first, second) == [0, 0]
    [payment] = rows(db, "SELECT id::text FROM payments WHERE status = 'succeeded'")
    assert len(auths(sandbox_url, payment["id"])) == 1


def test_a_declined_card_changes_no_invoice(app, db, invoices, pay_several, customer_headers, known):
    first = invoices("95", "p1", "10.00", "2024-08-01")
    second = invoices("96", "p1", "20.00", "2024-09-01")
    assert_problem(pay_several({"all_due": True}, card=DECLINED), 402, "payment_declined")
    assert owed(app, customer_headers, known, first, second) == [1_000, 2_000]
    assert published(db) == []


@pytest.mark.parametrize(("body", "field"), [
    ({}, "invoices"),
    ({"all_due": True, "invoices": [{"invoice_id": "00000000-0000-0000-0000-000000000001"}]}, "invoices"),
    ({"invoices": []}, "invoices"),
    ({"invoices": [{"invoice_id": "00000000-0000-0000-0000-000000000001"}] * 2}, "invoices"),
    ({"invoices": [{"invoice_id": "00000000-0000-0000-0000-000000000001", "amount": "1.00"}], "amount": "1.00"},
     "amount"),
    ({"invoices": [{"invoice_id": "not-a-uuid"}]}, "invoices"),
    ({"all_due": True, "amount": 10.5}, "amount"),
])
def test_a_request_that_does_not_say_what_to_pay_is_a_422_naming_the_field(pay_several, invoices, body, field):
    problem = assert_problem(pay_several(body), 422)
    assert any(name.startswith(field) for name in problem["errors"]), problem["errors"]
