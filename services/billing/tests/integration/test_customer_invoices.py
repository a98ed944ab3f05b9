"""A signed-in customer's invoices: the list (Show All/Due/Paid, the Property Filter, newest first, pages
counted "N of M") and one invoice in detail (who may pay it), never another tenant's, branch's or
property's; and unsent or voided invoices not at all."""
from __future__ import annotations

import json
import uuid

import pytest

from portal_testkit.pytest_plugin import BRANCH, OTHER_BRANCH, OTHER_TENANT, TENANT, assert_problem

from .conftest import single


@pytest.fixture
def put(app_client, back_office, known):
    def put(external_id, body, tenant=TENANT):
        response = app_client.put(f"/integration/invoices/{external_id}", json=body, headers=back_office(tenant))
        assert response.status_code == 200, response.get_json()
        return response.get_json()["id"]
    return put


@pytest.fixture
def listed(put, invoice_18, known):
    ids = {
        "18": put("inv-18", invoice_18),                                                     # P1, due 238.70
        "6": put("inv-6", single("6", "p1", "9829.25", paid="9829.25", date="2024-09-30")),  # P1, paid
        "4": put("inv-4", single("4", "p2", "1200.00", paid="1200.00", date="2024-08-01",
                                 name="Annual Maintenance Agreement")),                       # P2, paid
        "21": put("inv-21", single("21", "p2", "1500.00", paid="500.00", date="2025-03-25")),   # P2, due 1,000.00
        "draft": put("inv-draft", single("22", "p2", "10.00", sent=False)),
        "void": put("inv-void", single("23", "p2", "10.00", voided=True)),
        "p3": put("inv-p3", single("30", "p3", "10.00")),
        "p4": put("inv-p4", single("40", "p4", "10.00")),
        "p5": put("inv-p5", single("50", "p5", "10.00"), tenant=OTHER_TENANT),
    }
    return {**known, "ids": ids}


def get_list(client, headers, **query):
    response = client.get("/invoices", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json(), json.loads(response.headers["X-Pagination"])


def test_the_list_shows_sent_invoices_of_the_customers_properties_newest_first(app_client, customer_headers, listed):
    rows, pages = get_list(app_client, customer_headers(TENANT, BRANCH, listed["me"]))
    assert [r["number"] for r in rows] == ["21", "6", "18", "4"]
    assert pages["total"] == 4
    by_number = {r["number"]: r for r in rows}
    assert by_number["18"]["title"] == "Invoice #18"                       # several opportunities: the number only
    assert by_number["6"]["title"] == "Invoice #6: Weekly Maintenance"
    assert by_number["18"]["property"] == {"id": listed["p1"], "name": "Property p1", "street": "515 Warnock",
                                           "city": "Columbia", "state": "Illinois", "zip": "62236"}
    assert (by_number["18"]["balance_cents"], by_number["18"]["amount_cents"], by_number["18"]["status"]) == (
        23_870, 23_870, "Due")
    assert (by_number["21"]["balance_cents"], by_number["21"]["amount_cents"], by_number["21"]["status"]) == (
        100_000, 150_000, "Due")
    assert (by_number["6"]["balance_cents"], by_number["6"]["status"]) == (0, "Paid")


def test_show_due_or_paid_and_the_property_filter_narrow_the_list(app_client, customer_headers, listed):
    me = customer_headers(TENANT, BRANCH, listed["me"])
    assert [r["number"] for r in get_list(app_client, me, show="due")[0]] == ["21", "18"]
    assert [r["number"] for r in get_list(app_client, me, show="paid")[0]] == ["6", "4"]
    assert [r["number"] for r in get_list(app_client, me, property_id=listed["p2"])[0]] == ["21", "4"]
    assert get_list(app_client, me, property_id=listed["p3"])[0] == []           # not ME's: left out
    assert_problem(app_client.get("/invoices", query_string={"show": "overdue"}, headers=me), 422)


def test_pages_are_bounded_and_count_every_invoice(app_client, customer_headers, listed):
    me = customer_headers(TENANT, BRANCH, listed["me"])
    rows, pages = get_list(app_client, me, page=2, page_size=3)
    assert [r["number"] for r in rows] == ["4"] and pages["total"] == 4 and pages["page"] == 2
    assert_problem(app_client.get("/invoices", query_string={"page": 10**12}, headers=me), 422)


def test_a_customer_with_no_property_here_sees_an_empty_list(app_client, customer_headers, listed):
    rows, pages = get_list(app_client, customer_headers(TENANT, BRANCH, str(uuid.uuid4())))
    assert rows == [] and pages["total"] == 0


def test_the_detail_shows_services_by_opportunity_balance_and_the_billing_contact(app_client, customer_headers,
                                                                                  listed):
    response = app_client.get(f"/invoices/{listed['ids']['18']}", headers=customer_headers(TENANT, BRANCH,
                                                                                           listed["me"]))
    assert response.status_code == 200, response.get_json()
    invoice = response.get_json()
    assert (invoice["status"], invoice["due_date"], invoice["terms"]) == ("Due", "2024-11-27", "Net 90")
    assert (invoice["balance_cents"], invoice["total_cents"], invoice["paid_cents"]) == (23_870, 23_870, 0)
    assert [(s["opportunity_number"], s["name"], s["total_cents"]) for s in invoice["services"]] == [
        ("56", "Irrigation Inspection", 20_670), ("58", "IR- Irrigation Repair - Emergency", 3_200)]
    assert [o["number"] for o in invoice["opportunities"]] == ["56", "58"]
    assert invoice["property"]["name"] == "Property p1"
    assert invoice["billing_contact"]["id"] == listed["me"] and invoice["may_pay"] is True


def test_primary_and_billing_contacts_may_pay_and_another_contact_may_not(app_client, customer_headers, grant, put,
                                                                         listed):
    # P1: ME is Primary, OTHER is Other. Invoice #6 names no billing contact.
    six = listed["ids"]["6"]
    assert app_client.get(f"/invoices/{six}", headers=customer_headers(TENANT, BRANCH, listed["me"])).get_json()[
        "may_pay"] is True
    other = customer_headers(TENANT, BRANCH, listed["other"])
    assert app_client.get(f"/invoices/{six}", headers=other).get_json()["may_pay"] is False
    # The same Other contact, named the invoice's billing contact, may pay that invoice.
    billed = put("inv-billed", single("7", "p1", "10.00", billing="other"))
    assert app_client.get(f"/invoices/{billed}", headers=other).get_json()["may_pay"] is True


@pytest.mark.parametrize("which", ["p3", "p4", "p5", "draft", "void"])
def test_an_invoice_not_of_the_customers_properties_is_404(app_client, customer_headers, listed, which):
    me = customer_headers(TENANT, BRANCH, listed["me"])
    assert_problem(app_client.get(f"/invoices/{listed['ids'][which]}", headers=me), 404)


def test_an_invoice_of_the_customers_other_branch_is_404_here_and_unknown_ids_too(app_client, customer_headers,
                                                                                  listed):
    p4 = listed["ids"]["p4"]
    assert app_client.get(f"/invoices/{p4}", headers=customer_headers(TENANT, OTHER_BRANCH, listed["me"])
                          ).status_code == 200
    me = customer_headers(TENANT, BRANCH, listed["me"])
    assert_problem(app_client.get(f"/invoices/{p4}", headers=me), 404)
    assert_problem(app_client.get(f"/invoices/{uuid.uuid4()}", headers=me), 404)
    assert app_client.get("/invoices/not-a-uuid", headers=me).status_code == 404


def test_the_invoices_answer_401_without_a_customer(app_client, listed):
    assert_problem(app_client.get("/invoices"), 401)
    assert_problem(app_client.get(f"/invoices/{listed['ids']['18']}"), 401)


# -- View Invoice: the PDF ------------------------------------------------------------------------------

def test_an_invoice_opens_as_a_pdf_for_whoever_may_see_it(app_client, headers, customer_headers, listed):
    eighteen = listed["ids"]["18"]
    me = headers(tenant_id=TENANT, branch_id=BRANCH, account_kind="customer", account_id=listed["me"],
                 session_tenant_id=TENANT, company_name="Green Acres Landscaping", branch_name="North Branch")
    response = app_client.get(f"/invoices/{eighteen}/pdf", headers=me)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and len(response.data) > 5_000
    assert response.headers["Content-Disposition"] == 'inline; filename="invoice-18.pdf"'
    # The Other contact on the property sees it too (seeing is not paying).
    other = app_client.get(f"/invoices/{eighteen}/pdf", headers=customer_headers(TENANT, BRANCH, listed["other"]))
    assert other.status_code == 200 and other.data.startswith(b"%PDF-")


@pytest.mark.parametrize("which", ["p3", "p5", "draft", "void"])
def test_an_invoice_the_customer_may_not_see_has_no_pdf(app_client, customer_headers, listed, which):
    me = customer_headers(TENANT, BRANCH, listed["me"])
    assert_problem(app_client.get(f"/invoices/{listed['ids'][which]}/pdf", headers=me), 404)
    assert_problem(app_client.get(f"/invoices/{listed['ids']['18']}/pdf"), 401)
