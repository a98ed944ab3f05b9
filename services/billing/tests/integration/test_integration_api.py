"""The back office's invoices and credits: PUT by its own ids, scope invoices:write, idempotent, refused
with a 422 naming the field when a document does not fit or does not add up, and never across tenants."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_testkit.pytest_plugin import OTHER_TENANT, TENANT, assert_problem, assert_unauthenticated

from .conftest import single


def put_invoice(client, headers, external_id, body):
    return client.put(f"/integration/invoices/{external_id}", json=body, headers=headers)


def test_an_invoice_is_stored_in_cents_with_its_due_date_and_answered_as_stored(app_client, back_office, known,
                                                                               invoice_18):
    response = put_invoice(app_client, back_office(), "crm-inv-18", invoice_18)
    assert response.status_code == 200, response.get_json()
    stored = response.get_json()
    assert stored["external_id"] == "crm-inv-18" and stored["property_id"] == known["p1"]
    assert stored["property_external_id"] == "p1" and stored["billing_contact_external_id"] == "me"
    assert (stored["total_cents"], stored["paid_cents"]) == (23_870, 0)
    assert (stored["terms"], stored["due_date"]) == ("Net 90", "2024-11-27")
    assert [s["total_cents"] for s in stored["services"]] == [20_670, 3_200]
    assert stored["services"][1]["lines"][1] == {"quantity": "5.00", "item": "6\" Pop Up Spray Head (Material)",
                                                 "unit_price_cents": 600, "extended_price_cents": 3_000}


def test_the_same_put_twice_keeps_one_invoice_and_a_changed_one_replaces_it(app_client, back_office, known,
                                                                           invoice_18, db):
    first = put_invoice(app_client, back_office(), "crm-inv-18", invoice_18).get_json()
    again = put_invoice(app_client, back_office(), "crm-inv-18", invoice_18).get_json()
    assert again == first
    invoice_18["payments"] = [{"external_id": "chk-1", "paid_on": "2024-09-15", "amount": "100.00"}]
    changed = put_invoice(app_client, back_office(), "crm-inv-18", invoice_18).get_json()
    assert changed["id"] == first["id"] and changed["paid_cents"] == 10_000
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM invoices")) == 1


def test_without_an_api_key_or_without_the_scope_nothing_is_written(app_client, back_office, known, invoice_18,
                                                                    customer_headers):
    assert_unauthenticated(app_client.put("/integration/invoices/x", json=invoice_18))
    me = customer_headers(TENANT, "00000000-0000-0000-0000-000000000001", known["me"])
    assert_unauthenticated(put_invoice(app_client, me, "x", invoice_18))
    assert_problem(put_invoice(app_client, back_office(scopes=["contacts:write"]), "x", invoice_18), 403,
                   "missing_scope")


@pytest.mark.parametrize("change, field", [
    ({"total": 238.7}, "total"),                                   # a float: refused, whatever its value
    ({"total": "-238.70"}, "total"),                               # negative
    ({"total": "238.701"}, "total"),                               # a third decimal
    ({"total": "238.00"}, "total"),                                # services add up to 238.70
    ({"terms_days": "30"}, "terms_days"),
    ({"number": "1" * 51}, "number"),
    ({"property_external_id": "p" * 101}, "property_external_id"),
    ({"opportunities": []}, "opportunities"),
    ({"invoice_date": "9999-12-01", "terms_days": 90}, "terms_days"),   # a due date past 9999: no 500
])
def test_a_document_that_does_not_fit_is_refused_naming_the_field(app_client, back_office, known, invoice_18,
                                                                  change, field):
    body = assert_problem(put_invoice(app_client, back_office(), "crm-inv-18", {**invoice_18, **change}), 422)
    assert field in str(body["errors"]), body


def test_lines_that_do_not_add_up_are_refused_naming_the_line(app_client, back_office, known, invoice_18):
    invoice_18["services"][0]["lines"][0]["extended_price"] = "206.00"          # 3.18 × 65.00 = 206.70
    invoice_18["services"][1]["total"] = "33.00"                                # 2.00 + 30.00 + 0 tax
    invoice_18["services"][1]["lines"][0]["unit_price"] = 1.0                  # a float, deep down
    body = assert_problem(put_invoice(app_client, back_office(), "crm-inv-18", invoice_18), 422)
    assert "unit_price" in str(body["errors"])
    invoice_18["services"][1]["lines"][0]["unit_price"] = "1.00"
    body = assert_problem(put_invoice(app_client, back_office(), "crm-inv-18", invoice_18), 422)
    # 206.00 is not 3.18 × 65.00, so service 0's 206.70 is not its lines'; 33.00 is not 2.00 + 30.00; and
    # 206.70 + 33.00 is not the invoice's 238.70.
    assert set(body["errors"]) == {"services.0.lines.0.extended_price", "services.0.total", "services.1.total",
                                   "total"}


def test_payments_above_the_total_and_unknown_opportunities_are_refused(app_client, back_office, known, invoice_18):
    invoice_18["payments"] = [{"external_id": "chk-1", "paid_on": "2024-09-15", "amount": "300.00"}]
    invoice_18["services"][1]["opportunity_number"] = "99"
    body = assert_problem(put_invoice(app_client, back_office(), "crm-inv-18", invoice_18), 422)
    assert set(body["errors"]) == {"payments", "services.1.opportunity_number"}


def test_a_property_billing_does_not_know_is_a_422_naming_it(app_client, back_office, known, invoice_18):
    invoice_18["property_external_id"] = "not-yet-in-identity"
    body = assert_problem(put_invoice(app_client, back_office(), "crm-inv-18", invoice_18), 422)
    assert list(body["errors"]) == ["property_external_id"]


def test_a_company_can_neither_reach_another_companys_property_nor_its_invoice(app_client, back_office, known,
                                                                                invoice_18, db):
    invoice_18["property_external_id"] = "p5"                  # OTHER_TENANT's property
    assert_problem(put_invoice(app_client, back_office(TENANT), "crm-inv-18", invoice_18), 422)
    mine = put_invoice(app_client, back_office(OTHER_TENANT), "crm-inv-18", invoice_18).get_json()
    assert mine["property_id"] == known["p5"]
    invoice_18["property_external_id"] = "p1"
    ours = put_invoice(app_client, back_office(TENANT), "crm-inv-18", invoice_18).get_json()
    assert ours["id"] != mine["id"]                            # the same external id, two companies, two invoices
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM invoices")) == 2


def test_credits_are_put_applied_or_unapplied_and_must_name_an_invoice_of_their_property(app_client, back_office,
                                                                                          known):
    assert put_invoice(app_client, back_office(), "inv-6", single("6", "p1", "100.00")).status_code == 200
    applied = app_client.put("/integration/credits/cr-1", headers=back_office(),
                             json={"property_external_id": "p1", "amount": "25.00", "invoice_external_id": "inv-6"})
    assert applied.status_code == 200, applied.get_json()
    assert applied.get_json()["amount_cents"] == 2_500 and applied.get_json()["invoice_external_id"] == "inv-6"
    unapplied = app_client.put("/integration/credits/cr-2", headers=back_office(),
                               json={"property_external_id": "p2", "amount": "50.00"})
    assert unapplied.status_code == 200 and unapplied.get_json()["invoice_external_id"] is None
    elsewhere = app_client.put("/integration/credits/cr-3", headers=back_office(),
                               json={"property_external_id": "p2", "amount": "5.00", "invoice_external_id": "inv-6"})
    assert list(assert_problem(elsewhere, 422)["errors"]) == ["invoice_external_id"]
    floats = app_client.put("/integration/credits/cr-4", headers=back_office(),
                            json={"property_external_id": "p2", "amount": 5.0})
    assert "amount" in str(assert_problem(floats, 422)["errors"])


def test_an_external_id_longer_than_its_column_is_no_route(app_client, back_office, known, invoice_18):
    assert put_invoice(app_client, back_office(), "x" * 101, invoice_18).status_code == 404
