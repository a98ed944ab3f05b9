"""GET /summary, what only this service decides: a signed-in customer's open balance and invoices due, over the properties they may see."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, new_id, summary

# `world` (portal_testkit.pytest_plugin): ME sees P1 and P2 in BRANCH, but not P3 (another contact's), P4
# (ME's, in OTHER_BRANCH) or P5 (OTHER_TENANT's).


def add_invoice(db, tenant_id, property_id, *, total, paid, status, number=None):
    with db.unit_of_work() as session:
        session.execute(sa.text(
            "INSERT INTO invoices (id, tenant_id, property_id, number, total_cents, paid_cents, due_date, status) "
            "VALUES (:id, :t, :p, :n, :total, :paid, CURRENT_DATE + 30, :status)"),
            {"id": new_id(), "t": tenant_id, "p": property_id, "n": number or new_id()[:8], "total": total,
             "paid": paid, "status": status})


@pytest.fixture
def invoices(db, world):
    w = world
    add_invoice(db, TENANT, w["p1"], total=10_000, paid=2_500, status="Open")    # owes 7,500
    add_invoice(db, TENANT, w["p1"], total=5_000, paid=5_000, status="Paid")     # settled
    add_invoice(db, TENANT, w["p2"], total=20_000, paid=0, status="Open")        # owes 20,000
    add_invoice(db, TENANT, w["p2"], total=3_000, paid=3_000, status="Open")     # open, but no balance
    add_invoice(db, TENANT, w["p3"], total=99_900, paid=0, status="Open")        # another contact's
    add_invoice(db, TENANT, w["p4"], total=77_700, paid=0, status="Open")        # another branch's
    add_invoice(db, OTHER_TENANT, w["p5"], total=55_500, paid=0, status="Open")  # another tenant's
    # Another tenant's invoice naming ME's property id: the tenant filter must leave it out.
    add_invoice(db, OTHER_TENANT, w["p1"], total=44_400, paid=0, status="Open")
    return w


def test_a_customer_sees_the_open_balance_and_invoices_due_of_both_their_properties(
        app_client, customer_headers, invoices):
    w = invoices
    response = summary(app_client, customer_headers(TENANT, BRANCH, w["me"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"current_balance_cents": 27_500, "invoices_due": 2,
                                   "property_ids": sorted([w["p1"], w["p2"]])}


def test_a_customer_can_narrow_the_summary_to_one_property(app_client, customer_headers, invoices):
    w = invoices
    assert summary(app_client, customer_headers(TENANT, BRANCH, w["me"]), w["p2"]).get_json() == {
        "current_balance_cents": 20_000, "invoices_due": 1, "property_ids": [w["p2"]]}


def test_with_no_invoices_the_figures_are_zero(app_client, customer_headers, world):
    assert summary(app_client, customer_headers(TENANT, BRANCH, world["me"])).get_json() == {
        "current_balance_cents": 0, "invoices_due": 0, "property_ids": sorted([world["p1"], world["p2"]])}
