"""GET /summary: a signed-in customer's proposals awaiting signature, over the properties they may see."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_shared.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, assert_unauthenticated, new_id, summary

# `world` (portal_shared.pytest_plugin): ME sees P1 and P2 in BRANCH, but not P3 (another contact's), P4
# (ME's, in OTHER_BRANCH) or P5 (OTHER_TENANT's).


def add_proposal(db, tenant_id, property_id, status):
    with db.unit_of_work() as session:
        session.execute(sa.text(
            "INSERT INTO proposals (id, tenant_id, property_id, number, status, start_date) "
            "VALUES (:id, :t, :p, :n, :status, CURRENT_DATE + 14)"),
            {"id": new_id(), "t": tenant_id, "p": property_id, "n": new_id()[:8], "status": status})


@pytest.fixture
def proposals(db, world):
    w = world
    add_proposal(db, TENANT, w["p1"], "Delivered")      # pending
    add_proposal(db, TENANT, w["p1"], "Signed")         # done
    add_proposal(db, TENANT, w["p2"], "Sent")           # pending
    add_proposal(db, TENANT, w["p2"], "Sent")           # pending
    add_proposal(db, TENANT, w["p2"], "Draft")          # not shown to the customer yet
    add_proposal(db, TENANT, w["p2"], "Declined")       # done
    add_proposal(db, TENANT, w["p3"], "Sent")           # another contact's
    add_proposal(db, TENANT, w["p4"], "Sent")           # another branch's
    add_proposal(db, OTHER_TENANT, w["p5"], "Sent")     # another tenant's
    # Another tenant's proposal naming ME's property id: the tenant filter must leave it out.
    add_proposal(db, OTHER_TENANT, w["p1"], "Delivered")
    return w


def test_summary_without_an_identity_token_answers_401_problem_json(app_client, proposals):
    assert_unauthenticated(app_client.get("/summary"))


def test_summary_for_a_signed_in_staff_user_answers_401(app_client, headers, proposals):
    assert_unauthenticated(summary(app_client, headers(tenant_id=TENANT, branch_id=BRANCH, account_kind="staff",
                                                      account_id=new_id(), session_tenant_id=TENANT)))


def test_summary_answers_401_when_the_customer_session_is_of_another_tenant_or_has_no_branch(
        app_client, headers, proposals):
    me = proposals["me"]
    assert_unauthenticated(summary(app_client, headers(tenant_id=TENANT, branch_id=BRANCH, account_kind="customer",
                                                      account_id=me, session_tenant_id=OTHER_TENANT)))
    assert_unauthenticated(summary(app_client, headers(tenant_id=TENANT, account_kind="customer", account_id=me,
                                                      session_tenant_id=TENANT)))


def test_a_customer_sees_the_proposals_awaiting_signature_on_both_their_properties(
        app_client, customer_headers, proposals):
    w = proposals
    response = summary(app_client, customer_headers(TENANT, BRANCH, w["me"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"pending_proposals": 3, "property_ids": sorted([w["p1"], w["p2"]])}


def test_a_customer_can_narrow_the_summary_to_one_property(app_client, customer_headers, proposals):
    w = proposals
    assert summary(app_client, customer_headers(TENANT, BRANCH, w["me"]), w["p1"]).get_json() == {
        "pending_proposals": 1, "property_ids": [w["p1"]]}


def test_properties_of_another_contact_branch_or_tenant_are_not_counted_even_when_requested(
        app_client, customer_headers, proposals):
    w = proposals
    headers = customer_headers(TENANT, BRANCH, w["me"])
    assert summary(app_client, headers, w["p2"], w["p3"], w["p4"], w["p5"]).get_json() == {
        "pending_proposals": 2, "property_ids": [w["p2"]]}
    assert summary(app_client, headers, w["p3"], w["p5"]).get_json() == {"pending_proposals": 0, "property_ids": []}


def test_with_no_proposals_the_figure_is_zero(app_client, customer_headers, world):
    assert summary(app_client, customer_headers(TENANT, BRANCH, world["me"])).get_json() == {
        "pending_proposals": 0, "property_ids": sorted([world["p1"], world["p2"]])}


def test_with_empty_tables_a_customer_gets_zero_and_no_properties(app_client, customer_headers):
    assert summary(app_client, customer_headers(TENANT, BRANCH, new_id())).get_json() == {
        "pending_proposals": 0, "property_ids": []}


def test_the_summary_is_documented_in_openapi(app_client):
    spec = app_client.get("/openapi.json").get_json()
    operation = spec["paths"]["/summary"]["get"]
    assert {"200", "401", "422"} <= set(operation["responses"])
    assert [p["name"] for p in operation["parameters"]] == ["property_id"]
    assert set(spec["components"]["schemas"]["ProposalsSummary"]["properties"]) == {"pending_proposals", "property_ids"}
