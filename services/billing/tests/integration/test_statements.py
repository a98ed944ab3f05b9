"""The account statement (GET /statements): the figures of a property the customer sees, as a branded PDF;
422 naming the field for a bad range, 404 for a property the customer does not see."""
from __future__ import annotations

from datetime import date

import pytest

from portal_billing.adapters.statement_pdf import statement_html
from portal_billing.service_layer.statements import account_statement
from portal_shared.access.guard import Customer
from portal_testkit.pytest_plugin import BRANCH, TENANT, assert_problem

from .conftest import single

pytestmark = pytest.mark.integration


@pytest.fixture
def account(app_client, back_office, known, invoice_18):
    """On P1: #18 ($238.70, 2024-08-29, $38.70 paid 2024-09-10 in the back office); #19 ($100.00, 2024-10-05)
    with a $20.00 credit applied on 2024-10-10; an unapplied $15.00 credit; a voided #20 (never counted)."""
    invoice_18["payments"] = [{"external_id": "bo-1", "paid_on": "2024-09-10", "amount": "38.70"}]
    for external_id, doc in (("inv-18", invoice_18), ("inv-19", single("19", "p1", "100.00", date="2024-10-05")),
                             ("inv-20", single("20", "p1", "999.00", date="2024-10-06", voided=True))):
        response = app_client.put(f"/integration/invoices/{external_id}", json=doc, headers=back_office(TENANT))
        assert response.status_code == 200, response.get_json()
    for external_id, doc in (("cr-1", {"property_external_id": "p1", "amount": "20.00", "credit_date": "2024-10-10",
                                       "invoice_external_id": "inv-19"}),
                             ("cr-2", {"property_external_id": "p1", "amount": "15.00", "credit_date": "2024-10-11"})):
        response = app_client.put(f"/integration/credits/{external_id}", json=doc, headers=back_office(TENANT))
        assert response.status_code == 200, response.get_json()
    return known


def test_the_statement_has_opening_lines_and_closing_balances(db, account):
    me = Customer(TENANT, BRANCH, account["me"])
    with db.unit_of_work() as session:
        doc = account_statement(session, customer=me, property_id=account["p1"], start=date(2024, 9, 1),
                                end=date(2024, 10, 31))
    s = doc["statement"]
    assert s.opening_cents == 23_870
    assert [(line.movement.description, line.movement.amount_cents, line.balance_cents) for line in s.lines] == [
        ("Payment, invoice #18", 3_870, 20_000), ("Invoice #19", 10_000, 30_000),
        ("Credit, invoice #19", 2_000, 28_000)]
    assert s.closing_cents == 28_000
    assert doc["unapplied_credits"] == [{"credit_date": date(2024, 10, 11), "amount_cents": 1_500}]
    html = statement_html(doc, company="Acme Landscaping", branch="West")
    for text in ("Acme Landscaping", "STATEMENT", "Opening Balance", "$238.70", "Closing Balance", "$280.00",
                 "Invoice #19", "$15.00"):
        assert text in html


def test_the_statement_is_a_pdf_for_a_property_the_customer_sees(app_client, account, customer_headers):
    response = app_client.get("/statements", query_string={"property_id": account["p1"], "from": "2024-01-01",
                                                           "to": "2024-12-31"},
                              headers=customer_headers(TENANT, BRANCH, account["me"]))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2024-13-01", "to": "2024-12-31"}, "from"),
    ({"from": "2024-01-01"}, "to"),
    ({"from": "2024-12-31", "to": "2024-01-01"}, "to"),
    ({"from": "2020-01-01", "to": "2024-12-31"}, "to"),
])
def test_a_bad_range_is_refused_naming_the_field(app_client, account, customer_headers, query, field):
    response = app_client.get("/statements", query_string={"property_id": account["p1"], **query},
                              headers=customer_headers(TENANT, BRANCH, account["me"]))
    body = assert_problem(response, 422)
    assert field in str(body["errors"])


def test_another_contacts_property_is_not_found(app_client, account, customer_headers):
    response = app_client.get("/statements", query_string={"property_id": account["p3"], "from": "2024-01-01",
                                                           "to": "2024-12-31"},
                              headers=customer_headers(TENANT, BRANCH, account["me"]))
    assert_problem(response, 404)


def test_one_portal_payment_of_two_invoices_shows_as_each_invoices_share(db, account):
    """A payment for several invoices (POST /payments) is one line per invoice it paid, each its share."""
    import uuid

    import sqlalchemy as sa

    with db.unit_of_work() as session:
        ids = dict(session.execute(sa.text("SELECT external_id, id::text FROM invoices WHERE external_id IN "
                                           "('inv-18', 'inv-19')")).all())
        payment = str(uuid.uuid4())
        session.execute(sa.text(
            "INSERT INTO payments (id, tenant_id, property_id, invoice_id, contact_id, method, amount_cents, status) "
            "VALUES (:id, :t, :p, :i, :c, 'card', 15000, 'succeeded')"),
            {"id": payment, "t": TENANT, "p": account["p1"], "i": ids["inv-18"], "c": account["me"]})
        for position, (external_id, cents) in enumerate((("inv-18", 10_000), ("inv-19", 5_000))):
            session.execute(sa.text(
                "INSERT INTO payment_allocations (payment_id, invoice_id, tenant_id, amount_cents, position) "
                "VALUES (:p, :i, :t, :a, :n)"),
                {"p": payment, "i": ids[external_id], "t": TENANT, "a": cents, "n": position})
        doc = account_statement(session, customer=Customer(TENANT, BRANCH, account["me"]),
                                property_id=account["p1"], start=date(2024, 9, 1), end=date.today())
    paid = sorted((line.movement.description, line.movement.amount_cents) for line in doc["statement"].lines
                  if line.movement.description.startswith("Payment by"))
    assert paid == [("Payment by card, invoice #18", 10_000), ("Payment by card, invoice #19", 5_000)]
    assert doc["statement"].closing_cents == 28_000 - 15_000
