"""The customer's own profile: this branch's properties with roles, name rules with the seeds'
messages, and an email change that keeps the password."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def camilla_on(customer_session, world):
    def sign_in(branch: str = "a1") -> dict[str, str]:
        camilla = world.contacts["camilla"]
        return customer_session(branch, camilla.email, camilla.password)[1]

    return sign_in


def test_me_lists_only_this_branchs_properties_with_the_customers_roles(client, camilla_on, world):
    me = client.get("/customer/me", headers=camilla_on("a1"))
    assert me.status_code == 200
    assert me.get_json() == {
        "contact_id": world.contacts["camilla"].id, "email": "camilla@example.com", "first_name": "Camilla",
        "last_name": "Sailor", "verified": True,
        "properties": [{"property_id": world.properties["oasis"], "name": "Camilla's Oasis", "street": "1 Main St",
                        "city": "St. Louis", "state": "Missouri", "zip": "63101", "roles": ["Billing", "Primary"]}]}
    on_a2 = client.get("/customer/me", headers=camilla_on("a2")).get_json()
    assert [(p["name"], p["roles"]) for p in on_a2["properties"]] == [("Westport Commons", ["Primary"])]


def test_me_needs_a_signed_in_customer(client, identity, staff_session):
    assert client.get("/customer/me", headers=identity("a1")).status_code == 401
    assert client.get("/customer/me", headers=staff_session("a1", "admin")).status_code == 401


def test_a_one_letter_first_name_is_refused_with_the_seeds_message_and_nothing_changes(
        client, camilla_on, outbox, rows, seed_messages, world):
    response = client.patch("/customer/me", json={"first_name": "J", "last_name": "Sm1th"}, headers=camilla_on())
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"first_name": [seed_messages["first_name"]],
                                             "last_name": [seed_messages["last_name"]]}
    assert rows("SELECT first_name FROM contacts WHERE id = :id", id=world.contacts["camilla"].id) == [
        {"first_name": "Camilla"}]
    assert outbox("contact_upserted") == []


def test_an_invalid_email_is_refused_with_enter_a_valid_email(client, camilla_on, seed_messages):
    response = client.patch("/customer/me", json={"email": "camilla-at-example"}, headers=camilla_on())
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"email": [seed_messages["email"]]}


def test_an_email_of_another_contact_of_the_company_is_refused_as_taken(client, camilla_on, world):
    response = client.patch("/customer/me", json={"email": "APRIL@example.com",
                                                  "current_password": world.contacts["camilla"].password},
                            headers=camilla_on())
    assert response.status_code == 409 and response.get_json()["code"] == "email_taken"


def test_a_valid_change_updates_the_profile_and_publishes_the_contact(client, camilla_on, outbox, world):
    response = client.patch("/customer/me", json={"first_name": " Camille ", "last_name": "Sailor-Núñez"},
                            headers=camilla_on())
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["first_name"], response.get_json()["last_name"]) == ("Camille", "Sailor-Núñez")
    [event] = outbox("contact_upserted")
    assert event["data"]["contact_id"] == world.contacts["camilla"].id
    assert (event["data"]["first_name"], event["data"]["last_name"], event["data"]["verified"]) == (
        "Camille", "Sailor-Núñez", True)
    assert event["data"]["revision"] >= 2


def test_an_email_change_keeps_the_password(client, identity, camilla_on, outbox, world):
    camilla = world.contacts["camilla"]
    response = client.patch("/customer/me", json={"email": "  Camilla.New@Example.com ",
                                                  "current_password": camilla.password}, headers=camilla_on())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["email"] == "camilla.new@example.com"
    assert outbox("contact_upserted")[-1]["data"]["email"] == "camilla.new@example.com"
    new = client.post("/customer/sessions", json={"email": "camilla.new@example.com", "password": camilla.password},
                      headers=identity("a1"))
    assert new.status_code == 201, new.get_json()
    old = client.post("/customer/sessions", json={"email": camilla.email, "password": camilla.password},
                      headers=identity("a1"))
    assert old.status_code == 401


@pytest.mark.parametrize("password", [None, "not her password"])
def test_changing_the_email_needs_the_current_password_so_a_stolen_session_cannot_take_the_account(
        client, camilla_on, outbox, world, password):
    body = {"email": "thief@example.com", **({"current_password": password} if password else {})}
    response = client.patch("/customer/me", json=body, headers=camilla_on())
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"current_password": ["Enter your current password to change your email."]}
    assert outbox("contact_upserted") == []


def test_names_change_without_the_password_and_resending_the_same_email_needs_none(client, camilla_on, world):
    camilla = world.contacts["camilla"]
    response = client.patch("/customer/me", json={"first_name": "Cami", "email": camilla.email.upper()},
                            headers=camilla_on())
    assert response.status_code == 200, response.get_json()


def test_reset_links_sent_to_the_old_address_die_when_the_email_changes(client, identity, camilla_on, outbox, world):
    camilla = world.contacts["camilla"]
    assert client.post("/password-resets", json={"email": camilla.email}, headers=identity("a1")).status_code == 202
    token = outbox("password_reset_requested")[-1]["data"]["link"].rsplit("/", 1)[1]
    changed = client.patch("/customer/me", json={"email": "camilla.moved@example.com",
                                                 "current_password": camilla.password}, headers=camilla_on())
    assert changed.status_code == 200, changed.get_json()
    assert client.get(f"/password-resets/{token}", headers=identity("a1")).status_code == 410
