"""The back office's integration API: per-company keys shown once and stored as digests, scoped,
revocable, and always acting on the key's own company.

Requests carry what the gateway sends for a key (the `bearer` fixture, ADR 0012); identity never
sees the key itself.
"""
from __future__ import annotations

import pytest

from portal_identity.domain.tokens import token_digest

pytestmark = pytest.mark.integration

BOTH = ["contacts:write", "properties:write"]


@pytest.fixture
def api_key(client, operator):
    """Issue a key for a company through the operator endpoint; returns the 201 body."""

    def issue(tenant_id: str, scopes=tuple(BOTH), name: str = "back office") -> dict:
        response = client.post(f"/staff/operator/companies/{tenant_id}/api-keys", headers=operator,
                               json={"name": name, "scopes": list(scopes)})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return issue


def test_an_operator_issued_key_is_shown_once_and_stored_only_as_its_digest(client, api_key, staff_session, rows,
                                                                            world):
    created = api_key(world.tenant_a)
    key = created["key"]
    assert key.startswith(f"pk_{created['prefix']}_") and created["scopes"] == sorted(BOTH)
    stored = rows("SELECT tenant_id::text, prefix, key_digest FROM api_keys")
    assert stored == [{"tenant_id": world.tenant_a, "prefix": created["prefix"], "key_digest": token_digest(key)}]
    assert not any(key in str(value) for row in rows("SELECT * FROM api_keys") for value in row.values())
    listed = client.get("/staff/api-keys", headers=staff_session("a1", "admin"))
    assert listed.status_code == 200
    assert [k["id"] for k in listed.get_json()] == [created["id"]]
    assert "key" not in listed.get_json()[0]


def test_issuing_a_key_needs_the_operator_token(client, world):
    response = client.post(f"/staff/operator/companies/{world.tenant_a}/api-keys",
                           headers={"Authorization": "Bearer not-the-operator"}, json={"name": "x", "scopes": BOTH})
    assert response.status_code == 401


def test_contacts_properties_and_access_written_with_a_key_are_stored_and_published(bearer, client, api_key, outbox,
                                                                                    rows, world):
    key = api_key(world.tenant_a)["key"]
    contact = client.put("/integration/contacts/crm-42", headers=bearer(key),
                         json={"email": "New.Person@Example.com", "first_name": "Nia", "last_name": "Newman"})
    assert contact.status_code == 200, contact.get_json()
    assert contact.get_json()["email"] == "new.person@example.com" and contact.get_json()["verified"] is False
    prop = client.put("/integration/properties/crm-p-7", headers=bearer(key),
                      json={"branch_slug": "alpha-south", "name": "Hilltop Farm", "city": "Ballwin",
                            "sales_rep_email": "rep@alpha.example"})
    assert prop.status_code == 200, prop.get_json()
    assert prop.get_json()["branch_id"] == world.branches["a2"]["id"]
    access = client.put("/integration/properties/crm-p-7/contacts", headers=bearer(key),
                        json={"access": [{"contact_external_id": "crm-42", "roles": ["Primary", "Billing"]}]})
    assert access.status_code == 200, access.get_json()

    contact_id, property_id = contact.get_json()["contact_id"], prop.get_json()["property_id"]
    assert rows("SELECT tenant_id::text, role FROM property_roles WHERE property_id = :p ORDER BY role",
                p=property_id) == [{"tenant_id": world.tenant_a, "role": "Billing"},
                                   {"tenant_id": world.tenant_a, "role": "Primary"}]
    [upserted] = outbox("contact_upserted")
    assert upserted["tenant_id"] == world.tenant_a and upserted["data"]["contact_id"] == contact_id
    assert upserted["data"]["external_id"] == "crm-42"  # billing's invoices name their billing contact by it
    property_events = outbox("property_upserted")
    assert [e["data"]["name"] for e in property_events] == ["Hilltop Farm"]
    assert property_events[0]["data"]["external_id"] == "crm-p-7"
    assert property_events[0]["data"]["sales_rep_id"] == world.staff["rep"].id
    [changed] = outbox("property_access_changed")
    assert changed["data"]["property_id"] == property_id
    assert changed["data"]["access"] == [{"contact_id": contact_id, "roles": ["Billing", "Primary"],
                                          "permissions": ["pay", "sign"]}]


def test_a_revoked_key_answers_401(bearer, client, api_key, staff_session, world):
    created = api_key(world.tenant_a)
    payload = {"email": "someone@example.com", "first_name": "Some", "last_name": "One"}
    assert client.put("/integration/contacts/crm-1", headers=bearer(created["key"]), json=payload).status_code == 200
    revoked = client.delete(f"/staff/api-keys/{created['id']}", headers=staff_session("a1", "admin"))
    assert revoked.status_code == 204
    response = client.put("/integration/contacts/crm-1", headers=bearer(created["key"]), json=payload)
    assert response.status_code == 401


def test_a_missing_malformed_or_guessed_key_answers_401(bearer, client, api_key, gateway_headers, world):
    created = api_key(world.tenant_a)
    payload = {"email": "someone@example.com"}
    guessed = f"pk_{created['prefix']}_not-the-secret"
    for headers in (gateway_headers(), bearer("garbage"), bearer(guessed)):
        assert client.put("/integration/contacts/crm-1", headers=headers, json=payload).status_code == 401


def test_the_key_itself_opens_nothing_in_identity_only_the_gateway_s_token_does(client, api_key, gateway_headers,
                                                                                  rows, world):
    key = api_key(world.tenant_a)["key"]
    payload = {"email": "someone@example.com"}
    for headers in ({"Authorization": f"Bearer {key}"}, {**gateway_headers(), "Authorization": f"Bearer {key}"}):
        response = client.put("/integration/contacts/crm-1", headers=headers, json=payload)
        assert response.status_code == 401 and response.content_type == "application/problem+json"
    assert rows("SELECT id FROM contacts WHERE external_id = 'crm-1'") == []


def test_a_key_without_the_scope_answers_403(bearer, client, api_key, rows, world):
    key = api_key(world.tenant_a, scopes=["contacts:write"])["key"]
    response = client.put("/integration/properties/crm-p-1", headers=bearer(key),
                          json={"branch_slug": "alpha-north", "name": "Nope"})
    assert response.status_code == 403 and response.get_json()["code"] == "missing_scope"
    assert rows("SELECT id FROM properties WHERE external_id = 'crm-p-1'") == []


def test_company_as_key_never_touches_company_bs_rows(bearer, client, api_key, rows, world):
    key = api_key(world.tenant_a)["key"]
    bob = world.contacts["bob"]
    before = rows("SELECT * FROM contacts WHERE tenant_id = :t ORDER BY id", t=world.tenant_b)
    # B's external id, used with A's key, names a contact of A (created there), never B's.
    response = client.put(f"/integration/contacts/{bob.external_id}", headers=bearer(key),
                          json={"email": bob.email, "first_name": "Hijack", "last_name": "Attempt"})
    assert response.status_code == 200
    assert response.get_json()["contact_id"] != bob.id
    assert rows("SELECT tenant_id::text FROM contacts WHERE id = :id", id=response.get_json()["contact_id"]) == [
        {"tenant_id": world.tenant_a}]
    # B's property is not found for A's key, and B's branch is unknown to it.
    access = client.put("/integration/properties/yard/contacts", headers=bearer(key),
                        json={"access": [{"contact_external_id": bob.external_id, "roles": ["Other"]}]})
    assert access.status_code == 404
    moved = client.put("/integration/properties/yard", headers=bearer(key),
                       json={"branch_slug": "bravo-main", "name": "Taken over"})
    assert moved.status_code == 422 and "branch_slug" in moved.get_json()["errors"]
    assert rows("SELECT * FROM contacts WHERE tenant_id = :t ORDER BY id", t=world.tenant_b) == before
    assert rows("SELECT name FROM properties WHERE id = :id", id=world.properties["yard"]) == [{"name": "Bravo Yard"}]
    assert rows("SELECT contact_id::text, role FROM property_roles WHERE property_id = :id",
                id=world.properties["yard"]) == [{"contact_id": bob.id, "role": "Primary"}]


def test_an_email_change_from_the_back_office_keeps_the_password_and_the_account(bearer, client, api_key, identity,
                                                                                world):
    key = api_key(world.tenant_a)["key"]
    camilla = world.contacts["camilla"]
    response = client.put(f"/integration/contacts/{camilla.external_id}", headers=bearer(key),
                          json={"email": "camilla@newmail.example", "first_name": "Camilla", "last_name": "Sailor"})
    assert response.status_code == 200
    assert response.get_json() == {"contact_id": camilla.id, "external_id": camilla.external_id,
                                   "email": "camilla@newmail.example", "verified": True}
    signed_in = client.post("/customer/sessions", json={"email": "camilla@newmail.example",
                                                        "password": camilla.password}, headers=identity("a1"))
    assert signed_in.status_code == 201, signed_in.get_json()
    assert signed_in.get_json()["contact_id"] == camilla.id
