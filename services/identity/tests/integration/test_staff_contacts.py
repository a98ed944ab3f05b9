"""The staff's contact list: contacts with a property in this branch, searchable, filterable by
verification, paginated; for staff sessions only."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


def contacts(client, headers, query=""):
    response = client.get(f"/staff/contacts{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response


def emails(response) -> list[str]:
    return [c["email"] for c in response.get_json()]


def test_the_list_holds_only_contacts_with_a_property_in_this_branch_with_only_this_branchs_properties(
        client, staff_session, world):
    response = contacts(client, staff_session("a1", "manager"))
    # Walt's only property is in a2; Bob belongs to company B.
    assert emails(response) == ["april@example.com", "camilla@example.com", "dana@example.com"]
    camilla = next(c for c in response.get_json() if c["email"] == "camilla@example.com")
    assert camilla["contact_id"] == world.contacts["camilla"].id and camilla["verified"] is True
    assert camilla["invited_at"] is None
    assert camilla["properties"] == [{"property_id": world.properties["oasis"], "name": "Camilla's Oasis",
                                      "roles": ["Billing", "Primary"]}]


def test_the_same_staff_on_branch_a2_sees_a2s_contacts(client, staff_session):
    assert emails(contacts(client, staff_session("a2", "admin"))) == ["camilla@example.com", "walt@example.com"]


def test_company_bs_staff_see_only_company_bs_contacts(client, staff_session):
    assert emails(contacts(client, staff_session("b1", "admin_b"))) == ["bob@bravo.example"]


def test_q_filters_by_name_or_email_case_insensitively(client, staff_session):
    headers = staff_session("a1", "manager")
    assert emails(contacts(client, headers, "?q=sail")) == ["camilla@example.com"]
    assert emails(contacts(client, headers, "?q=APRIL@")) == ["april@example.com"]
    assert emails(contacts(client, headers, "?q=dana whit")) == ["dana@example.com"]
    assert emails(contacts(client, headers, "?q=walt")) == []


def test_contact_id_picks_out_the_selected_contacts_but_never_one_outside_the_branch(client, staff_session, world):
    headers = staff_session("a1", "manager")
    wanted = [world.contacts["dana"].id, world.contacts["april"].id, world.contacts["bob"].id]  # bob: company B
    query = "?" + "&".join(f"contact_id={c}" for c in wanted)
    assert sorted(emails(contacts(client, headers, query))) == ["april@example.com", "dana@example.com"]


def test_the_verified_filter_separates_customers_with_an_account_from_those_without(client, staff_session):
    headers = staff_session("a1", "manager")
    assert emails(contacts(client, headers, "?verified=true")) == ["april@example.com", "camilla@example.com"]
    assert emails(contacts(client, headers, "?verified=false")) == ["dana@example.com"]


def test_the_list_is_paginated_with_an_x_pagination_header(client, staff_session):
    headers = staff_session("a1", "manager")
    first = contacts(client, headers, "?page=1&page_size=2")
    assert emails(first) == ["april@example.com", "camilla@example.com"]
    pagination = json.loads(first.headers["X-Pagination"])
    assert pagination["total"] == 3 and pagination["total_pages"] == 2 and pagination["page"] == 1
    second = contacts(client, headers, "?page=2&page_size=2")
    assert emails(second) == ["dana@example.com"]


def test_an_invited_contact_shows_when_they_were_invited(client, staff_session, world):
    headers = staff_session("a1", "manager")
    client.post("/staff/invitations", headers=headers, json={
        "subject": "Welcome", "body": "Join: [CustomerPortalLink]",
        "recipients": [{"contact_id": world.contacts["dana"].id}]})
    dana = next(c for c in contacts(client, headers).get_json() if c["email"] == "dana@example.com")
    assert dana["invited_at"] is not None


def test_a_sales_rep_may_view_the_list(client, staff_session):
    assert len(contacts(client, staff_session("a1", "rep")).get_json()) == 3


def test_a_customer_session_or_no_session_cannot_read_the_list(client, identity, customer_session, world):
    camilla = world.contacts["camilla"]
    _, as_customer = customer_session("a1", camilla.email, camilla.password)
    for headers in (as_customer, identity("a1")):
        response = client.get("/staff/contacts", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["code"] == "unauthenticated"


def test_a_staff_session_stops_working_at_a_branch_the_staff_user_was_removed_from(client, staff_session, world, db):
    import sqlalchemy as sa

    from portal_identity.adapters.orm import StaffUser

    headers = staff_session("a1", "manager")
    assert client.get("/staff/me", headers=headers).status_code == 200
    with db.unit_of_work() as session:
        session.execute(sa.update(StaffUser).where(StaffUser.id == world.staff["manager"].id).values(branch_ids=[]))
    assert client.get("/staff/me", headers=headers).status_code == 401
