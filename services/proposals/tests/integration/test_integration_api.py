"""The back office's proposals: PUT by its own ids, scope proposals:write, idempotent, money in cents from
decimal strings, refused with a 422 naming the field, never across tenants; a sent version never changes."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_testkit.pytest_plugin import OTHER_TENANT, TENANT, assert_problem, assert_unauthenticated

from .conftest import put_proposal


def test_a_proposal_is_stored_in_cents_and_answered_as_stored(app_client, back_office, known, proposal_88):
    response = put_proposal(app_client, back_office(), "crm-opp-88", proposal_88)
    assert response.status_code == 200, response.get_json()
    stored = response.get_json()
    assert stored["external_id"] == "crm-opp-88" and stored["property_id"] == known["p1"]
    assert (stored["number"], stored["name"], stored["type"], stored["status"]) == (
        "88", "Major Landscaping Project 2024", "Work Order", "Delivered")
    assert (stored["version"], stored["new_version"], stored["sent"], stored["sent_date"]) == (1, False, True,
                                                                                                "2025-03-18")
    assert stored["price_cents"] == 4_457_933
    assert [s["amount_cents"] for s in stored["services"]] == [4_074_960, 213_500, 169_473]
    assert stored["optional_services"][1] == {"name": "Irrigation Audit", "visits": 1, "amount_cents": 35_000}
    assert stored["sales_rep"]["title"] == "COO"
    assert stored["invoices"] == [{"external_id": "crm-inv-18", "number": "18"}]


def test_the_same_put_twice_keeps_one_proposal_and_one_version(app_client, back_office, known, proposal_88, db):
    first = put_proposal(app_client, back_office(), "crm-opp-88", proposal_88).get_json()
    again = put_proposal(app_client, back_office(), "crm-opp-88", proposal_88).get_json()
    assert again == first
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_versions")) == 1


def test_a_change_to_a_sent_version_is_a_new_version_and_the_sent_one_stays_as_it_was(
        app_client, back_office, known, proposal_88, db):
    first = put_proposal(app_client, back_office(), "crm-opp-88", proposal_88).get_json()
    proposal_88["services"][1]["amount"] = "2235.00"
    proposal_88["price"] = "44679.33"
    changed = put_proposal(app_client, back_office(), "crm-opp-88", proposal_88).get_json()
    assert (changed["id"], changed["version"], changed["new_version"]) == (first["id"], 2, True)
    assert changed["price_cents"] == 4_467_933
    with db.unit_of_work() as session:
        old = session.execute(sa.text("SELECT price_cents, services FROM proposal_versions WHERE version = 1")).one()
    assert old.price_cents == 4_457_933 and old.services[1]["amount_cents"] == 213_500


def test_a_status_or_start_date_change_is_not_a_new_version(app_client, back_office, known, proposal_88):
    put_proposal(app_client, back_office(), "crm-opp-88", proposal_88)
    changed = put_proposal(app_client, back_office(), "crm-opp-88",
                           {**proposal_88, "status": "Won", "start_date": "2025-05-01"}).get_json()
    assert (changed["version"], changed["new_version"], changed["status"], changed["start_date"]) == (
        1, False, "Won", "2025-05-01")


def test_an_unsent_version_is_replaced_in_place_until_it_is_sent(app_client, back_office, known, proposal_88):
    draft = {**proposal_88, "sent": False, "sent_date": None}
    assert put_proposal(app_client, back_office(), "crm-opp-88", draft).get_json()["version"] == 1
    draft["name"] = "Major Landscaping Project 2025"
    assert put_proposal(app_client, back_office(), "crm-opp-88", draft).get_json()["version"] == 1
    sent = put_proposal(app_client, back_office(), "crm-opp-88", {**draft, "sent": True, "sent_date": "2025-03-18"})
    assert (sent.get_json()["version"], sent.get_json()["sent"]) == (1, True)


def test_without_an_api_key_or_without_the_scope_nothing_is_written(app_client, back_office, known, proposal_88,
                                                                    customer_headers, db):
    assert_unauthenticated(app_client.put("/integration/proposals/x", json=proposal_88))
    me = customer_headers(TENANT, "00000000-0000-0000-0000-000000000001", known["me"])
    assert_unauthenticated(put_proposal(app_client, me, "x", proposal_88))
    assert_problem(put_proposal(app_client, back_office(scopes=["invoices:write"]), "x", proposal_88), 403,
                   "missing_scope")
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposals")) == 0


@pytest.mark.parametrize("change, field", [
    ({"price": 44579.33}, "price"),                                  # a float: refused, whatever its value
    ({"price": "-1.00"}, "price"),
    ({"price": "44579.333"}, "price"),
    ({"price": "44579.00"}, "price"),                                # the services add up to 44,579.33
    ({"status": "Signed"}, "status"),
    ({"type": "Estimate"}, "type"),
    ({"sent_date": None}, "sent_date"),                              # sent needs its date
    ({"number": "1" * 51}, "number"),
    ({"name": "n" * 201}, "name"),
    ({"property_external_id": "p" * 101}, "property_external_id"),
    ({"property_external_id": "nowhere"}, "property_external_id"),   # not (yet) in the directory
    ({"services": [{"name": "Mulch Install", "visits": 1, "amount": 10}]}, "services"),
    ({"optional_services": [{"name": "A", "amount": "1.00"}, {"name": "A", "amount": "2.00"}]}, "optional_services"),
    ({"sales_rep": {"name": "Rep", "email": "not-an-email"}}, "sales_rep"),
    ({"invoices": [{"external_id": "", "number": "18"}]}, "invoices"),
])
def test_a_document_that_does_not_fit_is_refused_naming_the_field(app_client, back_office, known, proposal_88, db,
                                                                  change, field):
    body = assert_problem(put_proposal(app_client, back_office(), "crm-opp-88", {**proposal_88, **change}), 422)
    assert field in str(body["errors"]), body
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposals")) == 0


def test_a_company_cannot_name_another_companys_property(app_client, back_office, known, proposal_88):
    body = assert_problem(put_proposal(app_client, back_office(OTHER_TENANT), "crm-opp-88", proposal_88), 422)
    assert "property_external_id" in body["errors"]
    # Its own property with the same external id is a different record.
    response = put_proposal(app_client, back_office(OTHER_TENANT), "crm-opp-88",
                            {**proposal_88, "property_external_id": "p5"})
    assert response.status_code == 200 and response.get_json()["property_id"] == known["p5"]


def test_two_companies_may_use_the_same_external_id(app_client, back_office, known, proposal_88):
    mine = put_proposal(app_client, back_office(), "crm-opp-88", proposal_88).get_json()
    theirs = put_proposal(app_client, back_office(OTHER_TENANT), "crm-opp-88",
                          {**proposal_88, "property_external_id": "p5"}).get_json()
    assert mine["id"] != theirs["id"]


def test_two_puts_of_the_same_change_at_once_make_one_new_version(app_client, back_office, known, proposal_88, db):
    import threading

    from portal_proposals.entrypoints.schemas import ProposalUpsert
    from portal_proposals.service_layer.proposals import upsert_proposal

    put_proposal(app_client, back_office(), "crm-opp-88", proposal_88)
    changed = ProposalUpsert().load({**proposal_88, "price": "44679.33", "services": [
        {**proposal_88["services"][0], "amount": "40849.60"}, *proposal_88["services"][1:]]})
    barrier, errors = threading.Barrier(4), []

    def put():
        try:
            barrier.wait(timeout=10)
            with db.unit_of_work() as session:
                upsert_proposal(session, tenant_id=TENANT, external_id="crm-opp-88", doc=changed)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=put) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with db.unit_of_work() as session:
        assert session.execute(sa.text("SELECT version FROM proposal_versions ORDER BY version")).scalars().all() == [1, 2]
