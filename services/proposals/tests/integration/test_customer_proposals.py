"""A signed-in customer's proposals: only sent ones, on the properties they may see in their branch; the
portal's statuses and Show filter; the order seed 003 gives; the branch's N-day window, lump sum and
phone settings; who may sign; and a new version that voids a pending signature."""
from __future__ import annotations

import sqlalchemy as sa

from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, assert_problem, assert_unauthenticated, new_id

from .conftest import one_service, put_proposal, sign


def listed(client, headers, show="all", *property_ids):
    response = client.get("/proposals", query_string=[("show", show), *[("property_id", p) for p in property_ids]],
                          headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def numbers(response) -> list[str]:
    return [row["number"] for row in response.get_json()]


def put_all(client, back_office, *documents):
    for document in documents:
        response = put_proposal(client, back_office(), f"crm-{document['number']}", document)
        assert response.status_code == 200, response.get_json()


def by_number(client, headers, number: str) -> dict:
    row = next(r for r in listed(client, headers).get_json() if r["number"] == number)
    response = client.get(f"/proposals/{row['id']}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_customer_lists_the_sent_proposals_of_their_properties_with_the_portal_statuses(
        app_client, back_office, known, customer_headers, proposal_88, db):
    w = known
    put_all(app_client, back_office, proposal_88,
            one_service("15", "p2", "117951.00", status="Won", start=-400, name="Weekly Maintenance"),
            one_service("77", "p2", "8900.00", status="Lost", start=-300),
            one_service("91", "p1", "3480.00", status="In Production", start=5),
            one_service("92", "p1", "100.00", status="Approved", start=6),
            one_service("93", "p1", "100.00", sent=False),                   # not sent: not in the portal
            one_service("94", "p3", "100.00"),                               # another contact's property
            one_service("95", "p4", "100.00"))                               # ME's, in another branch
    me = customer_headers(TENANT, BRANCH, w["me"])
    response = listed(app_client, me)
    rows = {r["number"]: r for r in response.get_json()}
    assert set(rows) == {"88", "15", "77", "91", "92"}
    assert response.headers["X-Pagination"] and '"total": 5' in response.headers["X-Pagination"]
    assert {n: r["status"] for n, r in rows.items()} == {
        "88": "Pending", "15": "Accepted", "77": "Rejected", "91": "Accepted", "92": "Accepted"}
    assert rows["88"]["title"] == "Proposal #88: Major Landscaping Project 2024"
    assert rows["88"]["property"]["name"] == "Property p1" and rows["88"]["property"]["city"] == "Columbia"
    assert (rows["88"]["price_cents"], rows["88"]["sent_date"]) == (4_457_933, "2025-03-18")


def test_show_filters_and_orders_by_estimated_start_date(app_client, back_office, known, customer_headers):
    w = known
    put_all(app_client, back_office,
            one_service("1", "p1", "1.00", start=30), one_service("2", "p1", "1.00", start=3),
            one_service("3", "p2", "1.00", status="Won", start=-10), one_service("4", "p2", "1.00", status="Won",
                                                                                 start=-100),
            one_service("5", "p2", "1.00", status="Lost", start=-50))
    me = customer_headers(TENANT, BRANCH, w["me"])
    assert numbers(listed(app_client, me)) == ["1", "2", "3", "5", "4"]       # All: newest start date first
    assert numbers(listed(app_client, me, "pending")) == ["2", "1"]          # soonest first
    assert numbers(listed(app_client, me, "accepted")) == ["4", "3"]
    assert numbers(listed(app_client, me, "rejected")) == ["5"]
    assert numbers(listed(app_client, me, "all", w["p2"])) == ["3", "5", "4"]  # the Property Filter
    assert numbers(listed(app_client, me, "all", w["p3"])) == []              # not theirs: nothing
    assert_problem(app_client.get("/proposals?show=signed", headers=me), 422)


def test_a_signed_proposal_is_accepted_and_may_no_longer_be_signed(app_client, back_office, known,
                                                                   customer_headers, proposal_88, db):
    w = known
    put_all(app_client, back_office, proposal_88)
    me = customer_headers(TENANT, BRANCH, w["me"])
    detail = by_number(app_client, me, "88")
    assert (detail["status"], detail["may_sign"], detail["signed"]) == ("Pending", True, False)
    sign(db, detail["id"], detail["version"], w["me"])
    detail = by_number(app_client, me, "88")
    assert (detail["status"], detail["may_sign"], detail["signed"]) == ("Accepted", False, True)
    assert numbers(listed(app_client, me, "pending")) == []


def test_a_new_version_voids_a_pending_signature_and_shows_the_new_document(app_client, back_office, known,
                                                                           customer_headers, proposal_88):
    w = known
    put_all(app_client, back_office, proposal_88)
    me = customer_headers(TENANT, BRANCH, w["me"])
    seen = by_number(app_client, me, "88")
    assert seen["version"] == 1 and seen["may_sign"]
    # The back office changes the document but has not sent it yet: the sent version stays shown, unsignable.
    draft = {**proposal_88, "price": "44479.33", "sent": False, "sent_date": None,
             "services": [{**proposal_88["services"][0], "amount": "40649.60"}, *proposal_88["services"][1:]]}
    put_proposal(app_client, back_office(), "crm-88", draft)
    held = by_number(app_client, me, "88")
    assert (held["version"], held["price_cents"], held["may_sign"]) == (1, 4_457_933, False)
    put_proposal(app_client, back_office(), "crm-88", {**draft, "sent": True, "sent_date": "2025-03-25"})
    changed = by_number(app_client, me, "88")
    assert (changed["version"], changed["price_cents"], changed["sent_date"], changed["may_sign"]) == (
        2, 4_447_933, "2025-03-25", True)


def test_the_proposal_detail_shows_what_the_seeds_show(app_client, back_office, known, customer_headers, proposal_88):
    w = known
    put_all(app_client, back_office, proposal_88)
    detail = by_number(app_client, customer_headers(TENANT, BRANCH, w["me"]), "88")
    assert detail["property"]["street"] == "515 Warnock"
    assert [(s["name"], s["visits"], s["amount_cents"]) for s in detail["services"]] == [
        ("Mulch Install", 1, 4_074_960), ("Plant Installation", 1, 213_500), ("EN- Shrub Installation", 1, 169_473)]
    assert [o["name"] for o in detail["optional_services"]] == ["Seasonal Color Rotation", "Irrigation Audit"]
    assert (detail["total_cents"], detail["chosen_optional_services"]) == (4_457_933, [])
    assert detail["sales_rep"] == {"name": "Camilla Sailor", "title": "COO", "email": "cseiler@example.com",
                                   "phone": "(314) 555-0142"}
    assert detail["requests"] == [{"external_id": "crm-issue-12", "number": "12"}]
    assert detail["invoices"] == [{"external_id": "crm-inv-18", "number": "18"}]
    assert (detail["back_office_status"], detail["type"], detail["show_service_details"]) == (
        "Delivered", "Work Order", True)


def test_every_contact_of_the_property_sees_it_but_only_primary_and_billing_may_sign(
        app_client, back_office, known, customer_headers, proposal_88):
    w = known
    put_all(app_client, back_office, proposal_88)                           # on P1: ME Primary, OTHER Other
    mine = by_number(app_client, customer_headers(TENANT, BRANCH, w["me"]), "88")
    theirs = by_number(app_client, customer_headers(TENANT, BRANCH, w["other"]), "88")
    assert mine["may_sign"] is True and theirs["may_sign"] is False
    assert theirs["status"] == "Pending"


def test_in_production_and_approved_are_view_only(app_client, back_office, known, customer_headers):
    w = known
    put_all(app_client, back_office, one_service("91", "p1", "3480.00", status="In Production"),
            one_service("92", "p1", "1.00", status="Approved"))
    me = customer_headers(TENANT, BRANCH, w["me"])
    assert by_number(app_client, me, "91")["may_sign"] is False
    assert by_number(app_client, me, "92")["may_sign"] is False


def test_another_customers_tenants_or_unsent_proposal_answers_404(app_client, back_office, known, customer_headers,
                                                                  proposal_88, db):
    w = known
    put_all(app_client, back_office, proposal_88, one_service("94", "p3", "1.00"),
            one_service("93", "p1", "1.00", sent=False))
    put_proposal(app_client, back_office(OTHER_TENANT), "crm-x", {**proposal_88, "property_external_id": "p5"})
    me = customer_headers(TENANT, BRANCH, w["me"])
    with db.unit_of_work() as session:
        ids = dict(session.execute(sa.text("SELECT external_id, id FROM proposals")).all())
    for external_id in ("crm-94", "crm-93"):
        assert_problem(app_client.get(f"/proposals/{ids[external_id]}", headers=me), 404)
    assert_problem(app_client.get(f"/proposals/{new_id()}", headers=me), 404)
    assert_problem(app_client.get("/proposals/not-a-uuid", headers=me), 404)
    assert_unauthenticated(app_client.get(f"/proposals/{ids['crm-88']}"))
    assert_unauthenticated(app_client.get("/proposals"))


def test_open_proposals_outside_the_branchs_window_are_hidden_and_not_counted(
        app_client, back_office, known, customer_headers, branch_settings):
    w = known
    put_all(app_client, back_office,
            one_service("88", "p1", "1.00", start=20), one_service("95", "p1", "1.00", start=75),
            one_service("96", "p1", "1.00", start=-75), one_service("97", "p1", "1.00", start=None),
            one_service("15", "p1", "1.00", status="Won", start=-400))       # closed: never hidden by the window
    me = customer_headers(TENANT, BRANCH, w["me"])
    assert set(numbers(listed(app_client, me))) == {"88", "95", "96", "97", "15"}
    assert app_client.get("/summary", headers=me).get_json()["pending_proposals"] == 4
    branch_settings(version=1, proposal_window_days=60)
    assert set(numbers(listed(app_client, me))) == {"88", "97", "15"}
    assert app_client.get("/summary", headers=me).get_json()["pending_proposals"] == 2
    branch_settings(version=1, proposal_window_days=None)                  # an older or repeated version: ignored
    assert set(numbers(listed(app_client, me))) == {"88", "97", "15"}
    branch_settings(version=2, proposal_window_days=None)
    assert len(numbers(listed(app_client, me))) == 5


def test_the_lump_sum_setting_hides_the_lines_and_the_phone_setting_the_phone(
        app_client, back_office, known, customer_headers, branch_settings, proposal_88):
    w = known
    put_all(app_client, back_office, proposal_88)
    branch_settings(version=3, show_service_details=False, show_sales_rep_phone=False)
    detail = by_number(app_client, customer_headers(TENANT, BRANCH, w["me"]), "88")
    assert (detail["show_service_details"], detail["services"], detail["price_cents"]) == (False, [], 4_457_933)
    assert detail["sales_rep"]["phone"] is None and detail["sales_rep"]["email"] == "cseiler@example.com"
    assert len(detail["optional_services"]) == 2


def test_view_proposal_is_a_pdf_under_the_same_rule_as_the_detail(app_client, back_office, known, customer_headers,
                                                                  proposal_88, headers):
    w = known
    put_all(app_client, back_office, proposal_88, one_service("94", "p3", "1.00"))
    me = customer_headers(TENANT, BRANCH, w["me"])
    detail = by_number(app_client, me, "88")
    response = app_client.get(f"/proposals/{detail['id']}/pdf", headers=me)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == 'inline; filename="proposal-88.pdf"'
    others = by_number(app_client, customer_headers(TENANT, BRANCH, w["other"]), "94")
    assert_problem(app_client.get(f"/proposals/{others['id']}/pdf", headers=me), 404)
