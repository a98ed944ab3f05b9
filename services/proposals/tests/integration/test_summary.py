"""GET /summary, what only this service decides: a signed-in customer's proposals awaiting signature
(sent, Delivered, not signed, within the branch's window), over the properties they may see."""
from __future__ import annotations

import pytest

from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, summary

from .conftest import one_service, put_proposal, sign

# `world` (portal_testkit.pytest_plugin): ME sees P1 and P2 in BRANCH, but not P3 (another contact's), P4
# (ME's, in OTHER_BRANCH) or P5 (OTHER_TENANT's).


@pytest.fixture
def proposals(app_client, back_office, known, db):
    w = known
    documents = [
        one_service("1", "p1", "1.00"),                                 # pending
        one_service("2", "p1", "1.00", status="Won"),                   # accepted
        one_service("3", "p2", "1.00"),                                 # pending
        one_service("4", "p2", "1.00"),                                 # pending
        one_service("5", "p2", "1.00", sent=False),                     # not shown to the customer yet
        one_service("6", "p2", "1.00", status="Lost"),                  # rejected
        one_service("7", "p2", "1.00", status="In Production"),         # view only
        one_service("8", "p2", "1.00"),                                 # signed below: accepted
        one_service("9", "p3", "1.00"),                                 # another contact's
        one_service("10", "p4", "1.00"),                                # another branch's
    ]
    ids = {}
    for document in documents:
        response = put_proposal(app_client, back_office(), f"crm-{document['number']}", document)
        assert response.status_code == 200, response.get_json()
        ids[document["number"]] = response.get_json()["id"]
    sign(db, ids["8"], 1, w["me"])
    put_proposal(app_client, back_office(OTHER_TENANT), "crm-x", one_service("11", "p5", "1.00"))  # another tenant's
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
