"""Autopay on the real app and database, charging through the real payment sandbox: a Primary or Billing
contact enrols a saved method for a property; the worker's round (`run_autopay`, what `loop:autopay` runs)
emails a notice three days before the due date, charges the invoice on it exactly once — two workers at
once included — and stops the enrolment with an email when the charge fails."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from portal_billing.service_layer.autopay import run_autopay
from portal_shared.db import Database
from portal_testkit.pytest_plugin import BRANCH, TENANT, assert_problem

from .conftest import single
from .payment_fixtures import (  # noqa: F401 - fixtures
    APPROVED, DECLINED, EXPIRY, app, auths, branch_settings, processor, rows, sandbox_url, tokenize,
)

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()


@pytest.fixture
def as_(customer_headers, known):
    def make(who="me"):
        return customer_headers(TENANT, BRANCH, known[who])
    return make


@pytest.fixture
def due_invoice(app, back_office, known, branch_settings):
    """due_invoice(number, due=TODAY, total="120.00", property_key="p1") → its id: sent, Net 30, on P1."""
    branch_settings()

    def make(number="A1", *, due=TODAY, total="120.00", property_key="p1"):
        doc = single(number, property_key, total, date=(due - timedelta(days=30)).isoformat(), billing="me")
        response = app.test_client().put(f"/integration/invoices/inv-{number}", json=doc, headers=back_office(TENANT))
        assert response.status_code == 200, response.get_json()
        return response.get_json()["id"]
    return make


@pytest.fixture
def saved_card(app, as_, tokenize, branch_settings):
    branch_settings()

    def save(card=APPROVED, who="me"):
        response = app.test_client().post("/payment-methods", json={"kind": "card", "token": tokenize(card),
                                                                    "expiry": EXPIRY}, headers=as_(who))
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]
    return save


@pytest.fixture
def enrol(app, as_, known):
    def enrol(method_id, property_key="p1", who="me"):
        return app.test_client().put(f"/autopay/{known[property_key]}", json={"payment_method_id": method_id},
                                     headers=as_(who))
    return enrol


def events(db, event_type):
    return [r["payload"]["data"] for r in rows(db, "SELECT payload FROM outbox WHERE event_type = :t "
                                                   "ORDER BY created_at", t=event_type)]


# -- the worker -----------------------------------------------------------------------------------------

def test_two_workers_at_once_charge_an_autopay_invoice_once(app, db, processor, due_invoice, saved_card, enrol,
                                                              sandbox_url, as_, known):
    invoice = due_invoice()
    assert enrol(saved_card()).status_code == 200
    second = Database(db.url)            # a second worker process has its own pool
    barrier = threading.Barrier(2)
    results = []

    def worker(database):
        barrier.wait()
        results.append(run_autopay(database, processor, today=TODAY))

    try:
        threads = [threading.Thread(target=worker, args=(d,)) for d in (db, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        results.append(run_autopay(second, processor, today=TODAY))     # and a later round finds nothing to do
    finally:
        second.dispose()
    [payment] = rows(db, "SELECT id::text, status, amount_cents, contact_id::text FROM payments")
    assert (payment["status"], payment["amount_cents"], payment["contact_id"]) == ("succeeded", 12_000, known["me"])
    assert len(auths(sandbox_url, payment["id"])) == 1          # one authorisation at the processor
    assert sum(r["charged"] for r in results) == 1, results
    [charged] = events(db, "autopay_charged")
    assert (charged["payment_id"], charged["invoice_id"], charged["amount_cents"], charged["status"]) == (
        payment["id"], invoice, 12_000, "succeeded")
    assert charged["to_email"] == "me@example.com" and charged["payment_method"].endswith("ending 1111")
    assert len(events(db, "payment_succeeded")) == 1
    detail = app.test_client().get(f"/invoices/{invoice}", headers=as_()).get_json()
    assert detail["balance_cents"] == 0


def test_a_notice_goes_out_three_days_before_once_and_nothing_is_charged_early(
        db, processor, due_invoice, saved_card, enrol, sandbox_url):
    invoice = due_invoice(due=TODAY + timedelta(days=3))
    due_invoice("A2", due=TODAY + timedelta(days=4))        # too far ahead for a notice
    assert enrol(saved_card()).status_code == 200
    first = run_autopay(db, processor, today=TODAY)
    second = run_autopay(db, processor, today=TODAY + timedelta(days=1))
    assert (first["notices"], second["notices"]) == (1, 1)   # A1 on day 0, A2 on day 1: each once
    notices = events(db, "autopay_upcoming")
    assert [n["invoice_id"] for n in notices][0] == invoice
    assert (notices[0]["amount_cents"], notices[0]["due_date"]) == (12_000, (TODAY + timedelta(days=3)).isoformat())
    assert rows(db, "SELECT id FROM payments") == []


def test_a_declined_charge_stops_autopay_emails_the_customer_and_leaves_the_invoice_due(
        app, db, processor, due_invoice, saved_card, enrol, as_, known):
    invoice = due_invoice()
    assert enrol(saved_card(DECLINED)).status_code == 200
    assert run_autopay(db, processor, today=TODAY)["failed"] == 1
    [failed] = events(db, "autopay_failed")
    assert failed["invoice_id"] == invoice and "declined" in failed["reason"].lower()
    state = app.test_client().get(f"/autopay/{known['p1']}", headers=as_()).get_json()
    assert state["enrolled"] is False
    assert app.test_client().get(f"/invoices/{invoice}", headers=as_()).get_json()["balance_cents"] == 12_000
    assert run_autopay(db, processor, today=TODAY)["failed"] == 0        # stopped: never tried again
    assert len(events(db, "autopay_failed")) == 1


def test_a_removed_payment_method_fails_the_charge_and_stops_autopay(
        app, db, processor, due_invoice, saved_card, enrol, as_, sandbox_url):
    due_invoice()
    method = saved_card()
    assert enrol(method).status_code == 200
    assert app.test_client().delete(f"/payment-methods/{method}", headers=as_()).status_code == 204
    assert run_autopay(db, processor, today=TODAY)["failed"] == 1
    [failed] = events(db, "autopay_failed")
    assert "payment method" in failed["reason"].lower()
    assert rows(db, "SELECT id FROM payments") == []


def test_an_invoice_overdue_before_enrolling_and_a_paid_one_are_not_charged(
        app, db, processor, due_invoice, saved_card, enrol, sandbox_url, back_office):
    due_invoice("OLD", due=TODAY - timedelta(days=5))
    paid = single("PAID", "p1", "50.00", date=(TODAY - timedelta(days=30)).isoformat(), paid="50.00")
    assert app.test_client().put("/integration/invoices/inv-PAID", json=paid,
                                 headers=back_office(TENANT)).status_code == 200
    assert enrol(saved_card()).status_code == 200
    counts = run_autopay(db, processor, today=TODAY)
    assert (counts["charged"], counts["nothing_due"]) == (0, 1)
    assert rows(db, "SELECT id FROM payments") == []
    assert run_autopay(db, processor, today=TODAY)["nothing_due"] == 0     # looked at once


# -- the customer's enrolment ---------------------------------------------------------------------------

def test_enrolling_shows_the_method_to_its_owner_and_only_that_autopay_is_on_to_others(
        app, saved_card, enrol, as_, known):
    method = saved_card()
    response = enrol(method)
    assert response.status_code == 200, response.get_json()
    mine = response.get_json()
    assert (mine["enrolled"], mine["enrolled_by_you"], mine["payment_method"]["id"]) == (True, True, method)
    assert mine["enrolled_on"] == TODAY.isoformat()
    theirs = app.test_client().get(f"/autopay/{known['p1']}", headers=as_("other")).get_json()
    assert (theirs["enrolled"], theirs["enrolled_by_you"], theirs["payment_method"]) == (True, False, None)
    assert (mine["may_enrol"], theirs["may_enrol"]) == (True, False)      # Primary on P1; Other on P1
    assert app.test_client().delete(f"/autopay/{known['p1']}", headers=as_()).status_code == 204
    assert app.test_client().get(f"/autopay/{known['p1']}", headers=as_()).get_json()["enrolled"] is False


def test_only_who_may_pay_enrols_and_only_with_their_own_current_method(
        app, saved_card, enrol, as_, known, branch_settings):
    other_card = saved_card(who="other")
    assert_problem(enrol(other_card, who="other"), 403, "may_not_pay")             # Other role on P1
    assert_problem(app.test_client().delete(f"/autopay/{known['p1']}", headers=as_("other")), 403)
    assert_problem(enrol(saved_card(), property_key="p3"), 404)                   # not a property ME sees
    body = assert_problem(enrol(other_card), 422)                                 # not ME's method
    assert "payment_method_id" in body["errors"]
    assert enrol(saved_card(), property_key="p2").status_code == 200              # Billing role on P2
    bad = app.test_client().put(f"/autopay/{known['p1']}", json={"payment_method_id": "nope"}, headers=as_())
    assert "payment_method_id" in assert_problem(bad, 422)["errors"]
    card = saved_card()
    branch_settings(types=("ach",))
    assert "payment_method_id" in assert_problem(enrol(card), 422)["errors"]


def test_autopay_needs_a_signed_in_customer(app, known):
    assert app.test_client().get(f"/autopay/{known['p1']}").status_code == 401
