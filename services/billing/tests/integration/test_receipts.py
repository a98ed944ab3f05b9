"""What billing tells notifications for receipts, on a real database and the real sandbox: a payment's
`payment_succeeded` carries the payer's address only when they turned email receipts on, with their
name, the property and the invoice's balance after the payment; turning receipts on (from off, not
again) publishes `email_receipts_enabled`."""
from __future__ import annotations

import pytest

from portal_testkit.pytest_plugin import BRANCH, TENANT

from .payment_fixtures import (  # noqa: F401 - fixtures
    APPROVED, app, auths, balance, branch_settings, invoice, pay, processor, published, rows, sandbox_url, tokenize,
)

pytestmark = pytest.mark.integration


def receipts_enabled(db) -> list[dict]:
    return [r["payload"]["data"] for r in rows(db, "SELECT payload FROM outbox WHERE event_type = 'email_receipts_enabled'")]


def set_receipts(app, customer_headers, known, on: bool):
    response = app.test_client().put("/payment-preferences", json={"email_receipts": on},
                                     headers=customer_headers(TENANT, BRANCH, known["me"]))
    assert response.status_code == 200, response.get_json()


def test_a_payer_who_did_not_opt_in_is_named_but_gets_no_receipt_address(db, pay, invoice, known, branch_settings):
    branch_settings(partial=True)
    assert pay(invoice, amount="100.00").status_code == 201
    [event] = published(db)
    assert event["receipt_email"] is None
    assert (event["receipt_name"], event["property_name"], event["balance_cents"]) == (
        "Camilla Sailor", "Property p1", 13_870)


def test_an_opted_in_payer_gets_the_receipt_address_in_the_event(db, app, pay, invoice, known, customer_headers):
    set_receipts(app, customer_headers, known, True)
    assert pay(invoice).status_code == 201
    [event] = published(db)
    assert (event["receipt_email"], event["balance_cents"]) == ("me@example.com", 0)


def test_turning_receipts_on_publishes_email_receipts_enabled_once(db, app, invoice, known, customer_headers):
    set_receipts(app, customer_headers, known, True)
    set_receipts(app, customer_headers, known, True)      # already on: nothing new to confirm
    set_receipts(app, customer_headers, known, False)
    assert receipts_enabled(db) == [{"contact_id": known["me"], "to_email": "me@example.com",
                                     "to_name": "Camilla Sailor"}]
