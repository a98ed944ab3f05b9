"""GET /summary, what only this service decides: a signed-in customer's Current Balance (the due invoices'
balances, lowered by credits applied to them and by nothing else) and Invoices Due, over the properties
they may see; unsent and voided invoices count for nothing."""
from __future__ import annotations

import pytest

from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, summary

from .conftest import single

# `world` (portal_testkit.pytest_plugin): ME sees P1 and P2 in BRANCH, but not P3 (another contact's), P4
# (ME's, in OTHER_BRANCH) or P5 (OTHER_TENANT's). `known` puts them in billing's directory as "p1".."p5".


@pytest.fixture
def invoices(app_client, back_office, known):
    def put(external_id, body, tenant=TENANT):
        response = app_client.put(f"/integration/invoices/{external_id}", json=body, headers=back_office(tenant))
        assert response.status_code == 200, response.get_json()

    put("a", single("1", "p1", "100.00", paid="25.00"))        # owes 75.00
    put("b", single("2", "p1", "50.00", paid="50.00"))         # settled
    put("c", single("3", "p2", "200.00"))                      # owes 200.00
    put("d", single("4", "p2", "30.00", sent=False))           # not sent yet: not in the portal
    put("e", single("5", "p2", "40.00", voided=True))          # voided
    put("f", single("6", "p3", "999.00"))                      # another contact's
    put("g", single("7", "p4", "777.00"))                      # another branch's
    put("h", single("8", "p5", "555.00"), tenant=OTHER_TENANT)  # another tenant's
    return known


def credit(app_client, back_office, external_id, property_key, amount, invoice=None):
    response = app_client.put(f"/integration/credits/{external_id}", headers=back_office(), json={
        "property_external_id": property_key, "amount": amount, "invoice_external_id": invoice})
    assert response.status_code == 200, response.get_json()


def test_a_customer_sees_the_balance_and_invoices_due_of_both_their_properties(app_client, customer_headers,
                                                                             invoices):
    w = invoices
    response = summary(app_client, customer_headers(TENANT, BRANCH, w["me"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"current_balance_cents": 27_500, "invoices_due": 2,
                                   "property_ids": sorted([w["p1"], w["p2"]])}


def test_a_customer_can_narrow_the_summary_to_one_property(app_client, customer_headers, invoices):
    w = invoices
    assert summary(app_client, customer_headers(TENANT, BRANCH, w["me"]), w["p2"]).get_json() == {
        "current_balance_cents": 20_000, "invoices_due": 1, "property_ids": [w["p2"]]}


def test_a_credit_applied_to_an_invoice_lowers_the_balance_and_an_unapplied_one_does_not(
        app_client, back_office, customer_headers, invoices):
    credit(app_client, back_office, "cr-applied", "p1", "75.00", invoice="a")   # settles invoice a
    credit(app_client, back_office, "cr-part", "p2", "20.00", invoice="c")      # 200.00 → 180.00
    credit(app_client, back_office, "cr-loose", "p2", "50.00")                  # unapplied: counts for nothing
    figures = summary(app_client, customer_headers(TENANT, BRANCH, invoices["me"])).get_json()
    assert (figures["current_balance_cents"], figures["invoices_due"]) == (18_000, 1)


def test_a_credit_larger_than_the_balance_never_makes_it_negative(app_client, back_office, customer_headers,
                                                                 invoices):
    credit(app_client, back_office, "cr-big", "p1", "500.00", invoice="a")
    figures = summary(app_client, customer_headers(TENANT, BRANCH, invoices["me"])).get_json()
    assert (figures["current_balance_cents"], figures["invoices_due"]) == (20_000, 1)


def test_a_voided_credit_no_longer_counts(app_client, back_office, customer_headers, invoices):
    credit(app_client, back_office, "cr-1", "p1", "75.00", invoice="a")
    response = app_client.put("/integration/credits/cr-1", headers=back_office(), json={
        "property_external_id": "p1", "amount": "75.00", "invoice_external_id": "a", "voided": True})
    assert response.status_code == 200
    figures = summary(app_client, customer_headers(TENANT, BRANCH, invoices["me"])).get_json()
    assert figures["current_balance_cents"] == 27_500


def test_with_no_invoices_the_figures_are_zero(app_client, customer_headers, world):
    assert summary(app_client, customer_headers(TENANT, BRANCH, world["me"])).get_json() == {
        "current_balance_cents": 0, "invoices_due": 0, "property_ids": sorted([world["p1"], world["p2"]])}
