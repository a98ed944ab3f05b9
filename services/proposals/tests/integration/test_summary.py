"""GET /summary, what only this service decides: a signed-in customer's proposals awaiting signature, over the properties they may see."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, new_id, summary

# `world` (portal_testkit.pytest_plugin): ME sees P1 and P2 in BRANCH, but not P3 (another contact's), P4
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


def test_with_no_proposals_the_figure_is_zero(app_client, customer_headers, world):
    assert summary(app_client, customer_headers(TENANT, BRANCH, world["me"])).get_json() == {
        "pending_proposals": 0, "property_ids": sorted([world["p1"], world["p2"]])}
