"""GET /summary, what only this service decides: a signed-in customer's scheduled visits of the next 30 days
(the Visits list's Next 30 Days), over the properties they may see."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, new_id, summary

# `world` (portal_testkit.pytest_plugin): ME sees P1 and P2 in BRANCH, but not P3 (another contact's), P4
# (ME's, in OTHER_BRANCH) or P5 (OTHER_TENANT's).


def add_visit(db, tenant_id, property_id, status, *, in_days: float):
    with db.unit_of_work() as session:
        session.execute(sa.text(
            "INSERT INTO visits (id, tenant_id, property_id, scheduled_for, status, external_id) "
            "VALUES (:id, :t, :p, now() + make_interval(secs => :seconds), :status, gen_random_uuid()::text)"),
            {"id": new_id(), "t": tenant_id, "p": property_id, "seconds": in_days * 86400, "status": status})


@pytest.fixture
def visits(db, world):
    w = world
    add_visit(db, TENANT, w["p1"], "Scheduled", in_days=2)          # upcoming
    add_visit(db, TENANT, w["p1"], "Scheduled", in_days=-1)         # its time has passed
    add_visit(db, TENANT, w["p2"], "Scheduled", in_days=1 / 24)     # upcoming (in an hour)
    add_visit(db, TENANT, w["p2"], "Scheduled", in_days=29.9)       # upcoming (the last day of the 30)
    add_visit(db, TENANT, w["p2"], "Scheduled", in_days=31)         # beyond the next 30 days
    add_visit(db, TENANT, w["p2"], "Cancelled", in_days=3)          # not happening
    add_visit(db, TENANT, w["p2"], "Completed", in_days=-3)         # done
    add_visit(db, TENANT, w["p3"], "Scheduled", in_days=2)          # another contact's
    add_visit(db, TENANT, w["p4"], "Scheduled", in_days=2)          # another branch's
    add_visit(db, OTHER_TENANT, w["p5"], "Scheduled", in_days=2)    # another tenant's
    # Another tenant's visit naming ME's property id: the tenant filter must leave it out.
    add_visit(db, OTHER_TENANT, w["p1"], "Scheduled", in_days=2)
    return w


def test_a_customer_sees_the_upcoming_scheduled_visits_on_both_their_properties(
        app_client, customer_headers, visits):
    w = visits
    response = summary(app_client, customer_headers(TENANT, BRANCH, w["me"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"upcoming_visits": 3, "property_ids": sorted([w["p1"], w["p2"]])}


def test_a_customer_can_narrow_the_summary_to_one_property(app_client, customer_headers, visits):
    w = visits
    assert summary(app_client, customer_headers(TENANT, BRANCH, w["me"]), w["p1"]).get_json() == {
        "upcoming_visits": 1, "property_ids": [w["p1"]]}


def test_with_no_visits_the_figure_is_zero(app_client, customer_headers, world):
    assert summary(app_client, customer_headers(TENANT, BRANCH, world["me"])).get_json() == {
        "upcoming_visits": 0, "property_ids": sorted([world["p1"], world["p2"]])}
