"""Two billing workers at once (issue 8, part 7): the unknown-payment resolver, run by two workers on their
own connection pools at the same moment, settles each lost payment once — one `payment_succeeded` each,
one authorisation at the sandbox — because every outcome is written by a conditional update
(`status IN (...)`) that only one of them can win. (Autopay's two-worker test is in test_autopay.py.)"""
from __future__ import annotations

import threading
import uuid

import pytest

from portal_billing.adapters.processor import CardPointeProcessor, ProcessorUnavailable
from portal_billing.entrypoints.payments_api import PROCESSOR
from portal_billing.service_layer.payments import resolve_payments
from portal_shared.db import Database
from portal_testkit.pytest_plugin import TENANT

from .conftest import single
from .payment_fixtures import (  # noqa: F401 - fixtures
    TIMEOUT, app, auths, branch_settings, invoice, pay, processor, published, rows, sandbox_url, tokenize,
)

pytestmark = pytest.mark.integration


class InquiryDown(CardPointeProcessor):
    """The real adapter whose inquiries never get through: a timed-out charge stays `unknown`."""

    def inquire(self, order_id):
        raise ProcessorUnavailable("inquiry down")


def test_two_resolvers_at_once_settle_each_lost_payment_once(app, db, pay, invoice, back_office, sandbox_url):
    real = app.extensions[PROCESSOR]
    app.extensions[PROCESSOR] = InquiryDown(real.settings, inquiry_wait_seconds=0.1)   # answers lost: unknown
    invoices = [invoice]
    for n in range(2):
        put = app.test_client().put(f"/integration/invoices/inv-w{n}", json=single(f"W{n}", "p1", "40.00",
                                                                                     billing="me"),
                                    headers=back_office(TENANT))
        invoices.append(put.get_json()["id"])
    lost = [pay(i, card=TIMEOUT, key=uuid.uuid4().hex).get_json()["id"] for i in invoices]
    assert [r["status"] for r in rows(db, "SELECT status FROM payments")] == ["unknown"] * 3

    second = Database(db.url)
    barrier, settled = threading.Barrier(2), []

    def worker(database):
        barrier.wait()
        settled.append(resolve_payments(database, real))

    try:
        threads = [threading.Thread(target=worker, args=(d,)) for d in (db, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        second.dispose()
    assert sum(settled) == 3, settled
    assert {r["status"] for r in rows(db, "SELECT status FROM payments")} == {"succeeded"}
    assert sorted(e["payment_id"] for e in published(db)) == sorted(lost)          # one event per payment
    assert all(len(auths(sandbox_url, payment_id)) == 1 for payment_id in lost)
