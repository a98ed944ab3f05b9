"""ACH payments until their bank is done with them, and the worker that asks: the real app on PostgreSQL,
charging through CardPointeProcessor against the real payment sandbox (payment_fixtures.py).

An ACH debit is `pending` (the invoice shows Pending, its amount held) until it settles (→ succeeded, and
only then `payment_succeeded`) or its bank returns it (→ returned: `payment_returned`, the balance open
again), before or after it settled. Two workers never ask about the same payment at once. A processor that
refuses billing's own credentials charges nothing and holds nothing (503)."""
from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal_billing.adapters.processor import CardPointeProcessor, ProcessorSettings
from portal_billing.entrypoints.payments_api import PROCESSOR
from portal_billing.service_layer.payments import resolve_payments
from portal_shared.events.envelope import Envelope, load_event
from portal_testkit.pytest_plugin import BRANCH, TENANT, assert_problem

from .payment_fixtures import (  # noqa: F401 - fixtures
    BANK, LATE_RETURNED_BANK, MERCHID, RETURNED_BANK, app, auths, balance, bank_payment, branch_settings, force,
    invoice, me, pay, processor, published, rows, sandbox_url, tokenize,
)

pytestmark = pytest.mark.integration


def invoice_view(app, customer_headers, known, invoice_id) -> dict:
    return app.test_client().get(f"/invoices/{invoice_id}",
                                 headers=customer_headers(TENANT, BRANCH, known["me"])).get_json()


def listed(app, customer_headers, known, show) -> list[str]:
    response = app.test_client().get(f"/invoices?show={show}", headers=customer_headers(TENANT, BRANCH, known["me"]))
    return [row["status"] for row in response.get_json()]


def statuses(db) -> list[str]:
    return [r["status"] for r in rows(db, "SELECT status FROM payments ORDER BY created_at")]


def test_a_pending_ach_payment_shows_the_invoice_as_pending_not_paid_until_it_settles(
        bank_payment, app, db, invoice, customer_headers, known, sandbox_url):
    paid = bank_payment().get_json()
    shown = invoice_view(app, customer_headers, known, invoice)
    assert (shown["status"], shown["balance_cents"], shown["pending_cents"]) == ("Pending", 0, 23_870)
    assert listed(app, customer_headers, known, "all") == ["Pending"]
    assert listed(app, customer_headers, known, "paid") == [] and listed(app, customer_headers, known, "due") == []
    assert published(db) == []                                            # accepted is not paid

    force(sandbox_url, paid["id"], "settle")
    assert resolve_payments(db, app.extensions[PROCESSOR]) == 1
    shown = invoice_view(app, customer_headers, known, invoice)
    assert (shown["status"], shown["balance_cents"], shown["pending_cents"]) == ("Paid", 0, 0)
    assert listed(app, customer_headers, known, "paid") == ["Paid"]
    [succeeded] = published(db)
    assert (succeeded["payment_id"], succeeded["method"]) == (paid["id"], "ach")
    assert succeeded["allocations"] == [{"invoice_id": invoice, "invoice_external_id": "inv-18",
                                         "invoice_number": "18", "amount_cents": 23_870, "balance_cents": 0}]


def test_a_card_charge_whose_answer_was_lost_shows_as_pending(app, db, pay, invoice, customer_headers, known):
    unreachable = ProcessorSettings(url="http://127.0.0.1:9/cardconnect/rest", merchant_id=MERCHID,
                                    connect_timeout=0.5, read_timeout=0.5)
    real = app.extensions[PROCESSOR]
    app.extensions[PROCESSOR] = CardPointeProcessor(unreachable, inquiry_attempts=1)
    assert pay(invoice).status_code == 202
    app.extensions[PROCESSOR] = real
    shown = invoice_view(app, customer_headers, known, invoice)
    assert (shown["status"], shown["balance_cents"], shown["pending_cents"]) == ("Pending", 0, 23_870)


def test_a_return_before_settlement_reopens_the_balance_and_publishes_payment_returned_for_the_email(
        bank_payment, app, db, invoice, customer_headers, known, sandbox_url):
    paid = bank_payment(account=RETURNED_BANK).get_json()
    force(sandbox_url, paid["id"], "return")
    assert resolve_payments(db, app.extensions[PROCESSOR]) == 1
    assert statuses(db) == ["returned"]
    shown = invoice_view(app, customer_headers, known, invoice)
    assert (shown["status"], shown["balance_cents"], shown["pending_cents"]) == ("Due", 23_870, 0)
    assert published(db) == []                                            # it was never paid
    [returned] = published(db, "payment_returned")
    assert (returned["payment_id"], returned["return_code"], returned["after_settlement"], returned["amount_cents"],
            returned["invoice_number"], returned["contact_email"]) == (paid["id"], "R01", False, 23_870, "18",
                                                                       "me@example.com")
    [event] = rows(db, "SELECT payload FROM outbox WHERE event_type = 'payment_returned'")
    _tenant, loaded = load_event(Envelope(**{k: event["payload"][k] for k in (
        "id", "type", "version", "occurred_at", "tenant_id", "branch_id", "correlation_id", "data")}),
        "payment_returned")
    assert loaded["allocations"][0]["amount_cents"] == 23_870
    assert resolve_payments(db, app.extensions[PROCESSOR]) == 0           # once
    assert len(published(db, "payment_returned")) == 1


def test_a_return_after_settlement_is_found_by_the_worker_and_reverses_the_payment(
        bank_payment, app, db, invoice, customer_headers, known, sandbox_url):
    paid = bank_payment(account=LATE_RETURNED_BANK).get_json()
    processor = app.extensions[PROCESSOR]
    force(sandbox_url, paid["id"], "settle")
    assert resolve_payments(db, processor) == 1
    assert (statuses(db), len(published(db))) == (["succeeded"], 1)
    # Settled: asked again only once the recheck interval has passed, and nothing has changed yet.
    assert resolve_payments(db, processor) == 0
    assert resolve_payments(db, processor, recheck_after=timedelta(0)) == 0
    assert statuses(db) == ["succeeded"]

    force(sandbox_url, paid["id"], "return")                              # weeks later: "not authorised"
    assert resolve_payments(db, processor) == 0                           # not due for a recheck yet
    assert resolve_payments(db, processor, recheck_after=timedelta(0)) == 1
    [payment] = rows(db, "SELECT status, return_code, settled_at, returned_at FROM payments")
    assert payment["status"] == "returned" and payment["settled_at"] and payment["returned_at"]
    assert balance(app, customer_headers, known, invoice) == 23_870
    [returned] = published(db, "payment_returned")
    assert (returned["after_settlement"], returned["return_code"]) == (True, "R01")
    # Outside the return window a settled debit is not asked about any more.
    assert resolve_payments(db, processor, recheck_after=timedelta(0)) == 0


def test_a_settled_debit_past_its_return_window_is_no_longer_asked_about(
        bank_payment, app, db, invoice, sandbox_url):
    paid = bank_payment().get_json()
    force(sandbox_url, paid["id"], "settle")
    asked = []

    class Counting(CardPointeProcessor):
        def inquire(self, order_id):
            asked.append(order_id)
            return super().inquire(order_id)

    counting = Counting(app.extensions[PROCESSOR].settings, inquiry_wait_seconds=0.1)
    assert resolve_payments(db, counting) == 1
    assert resolve_payments(db, counting, recheck_after=timedelta(0), return_window=timedelta(0)) == 0
    assert asked == [paid["id"]]


def test_two_workers_never_ask_about_the_same_payment_at_once(app, db, invoice, known, processor):
    """Twenty unknown payments and two workers running together: each payment is inquired once."""
    ids = [str(uuid.uuid4()) for _ in range(20)]
    with db.unit_of_work() as session:
        for payment_id in ids:
            session.execute(sa.text(
                "INSERT INTO payments (id, tenant_id, property_id, invoice_id, contact_id, method, amount_cents, "
                "status, created_at, updated_at) VALUES (:id, :t, :p, :i, :c, 'card', 500, 'unknown', "
                "now() - interval '1 hour', now() - interval '1 hour')"),
                {"id": payment_id, "t": TENANT, "p": known["p1"], "i": invoice, "c": known["me"]})
            session.execute(sa.text(
                "INSERT INTO payment_allocations (payment_id, invoice_id, tenant_id, amount_cents, position) "
                "VALUES (:id, :i, :t, 500, 0)"), {"id": payment_id, "t": TENANT, "i": invoice})
    asked: Counter[str] = Counter()
    lock = threading.Lock()

    class Slow(CardPointeProcessor):
        def inquire(self, order_id):
            with lock:
                asked[order_id] += 1
            threading.Event().wait(0.05)                                 # while the other worker looks
            return super().inquire(order_id)

    slow = Slow(processor.settings, inquiry_wait_seconds=0.1)
    barrier, settled = threading.Barrier(2), []

    def worker():
        barrier.wait()
        settled.append(resolve_payments(db, slow))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(asked) == sorted(ids) and set(asked.values()) == {1}, asked
    assert sum(settled) == 20 and min(settled) > 0                        # both worked, none twice
    assert set(statuses(db)) == {"declined"}                              # the sandbox never saw them


class RefusedCredentials(CardPointeProcessor):
    """The real adapter with a password the sandbox does not know (rotated, mistyped)."""


def test_a_processor_that_refuses_our_credentials_charges_nothing_holds_nothing_and_answers_503(
        app, db, pay, invoice, customer_headers, known, processor, sandbox_url):
    wrong = ProcessorSettings(url=processor.settings.url, merchant_id=MERCHID, password="not-the-password",
                              read_timeout=0.5, connect_timeout=2)
    app.extensions[PROCESSOR] = RefusedCredentials(wrong, inquiry_wait_seconds=0.1)
    key = uuid.uuid4().hex
    problem = assert_problem(pay(invoice, key=key), 503, "payments_unavailable")
    assert "nothing was charged" in problem["detail"]
    [payment] = rows(db, "SELECT id::text, status FROM payments")
    assert payment["status"] == "failed" and auths(sandbox_url, payment["id"]) == []
    assert balance(app, customer_headers, known, invoice) == 23_870      # nothing held
    assert invoice_view(app, customer_headers, known, invoice)["status"] == "Due"
    app.extensions[PROCESSOR] = processor                                 # the operator fixes it: same key works
    assert pay(invoice, key=key).status_code == 201
    assert balance(app, customer_headers, known, invoice) == 0
