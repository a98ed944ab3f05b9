"""Forgot password, the link it sends, the customer's own password change, and the absence of any
other way to write a customer's password. Every change ends every session of the account."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_identity.domain.tokens import token_digest

pytestmark = pytest.mark.integration


def request_reset(client, headers, email):
    return client.post("/password-resets", json={"email": email}, headers=headers)


@pytest.fixture
def reset_link(client, identity, outbox, world):
    """Ask for a reset for a contact on a branch; returns the token of the link the email would carry."""

    def make(key: str = "camilla", branch: str = "a1") -> str:
        before = len(outbox("password_reset_requested"))
        assert request_reset(client, identity(branch), world.contacts[key].email).status_code == 202
        events = outbox("password_reset_requested")
        assert len(events) == before + 1
        return events[-1]["data"]["link"].rsplit("/", 1)[1]

    return make


# -- forgot password ------------------------------------------------------------------------

def test_a_reset_request_gets_the_same_202_for_a_verified_customer_an_unverified_one_and_an_unknown_email(
        client, identity, outbox, rows, world):
    answers = [request_reset(client, identity("a1"), email)
               for email in (world.contacts["camilla"].email, world.contacts["dana"].email, "nobody@example.com")]
    assert [a.status_code for a in answers] == [202, 202, 202]
    assert [a.get_json() for a in answers] == [{}, {}, {}]
    events = outbox("password_reset_requested")
    assert [e["data"]["to_email"] for e in events] == ["camilla@example.com"]
    assert events[0]["data"]["contact_id"] == world.contacts["camilla"].id
    assert events[0]["tenant_id"] == world.tenant_a and events[0]["branch_id"] == world.branches["a1"]["id"]
    assert events[0]["data"]["link"].startswith("http://alpha-north.localhost:8080/reset-password/")
    assert [r["contact_id"] for r in rows("SELECT contact_id::text FROM password_resets")] == [world.contacts["camilla"].id]


def test_the_reset_link_is_under_the_portal_of_the_branch_it_was_requested_on_and_stored_only_as_a_digest(
        client, identity, outbox, rows, world):
    request_reset(client, identity("a2"), world.contacts["camilla"].email)
    link = outbox("password_reset_requested")[0]["data"]["link"]
    assert link.startswith("http://alpha-south.localhost:8080/reset-password/")
    token = link.rsplit("/", 1)[1]
    assert rows("SELECT token_digest FROM password_resets") == [{"token_digest": token_digest(token)}]


def test_another_companys_portal_sends_no_reset_for_company_a_customer(client, identity, outbox, world):
    assert request_reset(client, identity("b1"), world.contacts["camilla"].email).status_code == 202
    assert outbox("password_reset_requested") == []


def test_the_reset_link_names_the_account_and_works_once(client, identity, reset_link, customer_session, world):
    token = reset_link()
    check = client.get(f"/password-resets/{token}", headers=identity("a1"))
    assert check.status_code == 200 and check.get_json() == {"email": "camilla@example.com"}
    first = client.post(f"/password-resets/{token}", json={"new_password": "a brand new passphrase"},
                        headers=identity("a1"))
    assert first.status_code == 204, first.get_json()
    second = client.post(f"/password-resets/{token}", json={"new_password": "yet another passphrase"},
                         headers=identity("a1"))
    assert second.status_code == 410 and second.get_json()["code"] == "link_invalid"
    assert client.get(f"/password-resets/{token}", headers=identity("a1")).status_code == 410
    customer_session("a1", "camilla@example.com", "a brand new passphrase")


def test_an_expired_reset_link_answers_410(client, identity, reset_link, db):
    token = reset_link()
    with db.unit_of_work() as session:
        session.execute(sa.text("UPDATE password_resets SET expires_at = now() - interval '1 second'"))
    assert client.get(f"/password-resets/{token}", headers=identity("a1")).status_code == 410
    response = client.post(f"/password-resets/{token}", json={"new_password": "a brand new passphrase"},
                           headers=identity("a1"))
    assert response.status_code == 410 and response.get_json()["code"] == "link_invalid"


def test_an_unknown_reset_token_or_one_used_on_another_company_answers_410(client, identity, reset_link):
    token = reset_link()
    assert client.get("/password-resets/not-a-real-token", headers=identity("a1")).status_code == 410
    assert client.post(f"/password-resets/{token}", json={"new_password": "a brand new passphrase"},
                       headers=identity("b1")).status_code == 410


def test_a_reset_refuses_a_common_password_and_leaves_the_link_usable(client, identity, reset_link):
    token = reset_link()
    refused = client.post(f"/password-resets/{token}", json={"new_password": "password1"}, headers=identity("a1"))
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["new_password"]
    assert client.post(f"/password-resets/{token}", json={"new_password": "a brand new passphrase"},
                       headers=identity("a1")).status_code == 204


def test_completing_a_reset_ends_every_session_of_the_account_and_writes_password_changed_how_reset(
        client, identity, sessions, reset_link, customer_session, outbox, world):
    camilla = world.contacts["camilla"]
    on_a1, _ = customer_session("a1", camilla.email, camilla.password)
    on_a2, _ = customer_session("a2", camilla.email, camilla.password)
    april_session, _ = customer_session("a1", world.contacts["april"].email, world.contacts["april"].password)
    token = reset_link()
    assert client.post(f"/password-resets/{token}", json={"new_password": "a brand new passphrase"},
                       headers=identity("a1")).status_code == 204
    assert sessions.get(on_a1) is None and sessions.get(on_a2) is None
    assert sessions.get(april_session) is not None  # only this account's sessions end
    changed = outbox("password_changed")
    assert len(changed) == 1
    data = changed[0]["data"]
    assert (data["contact_id"], data["to_email"], data["how"]) == (camilla.id, camilla.email, "reset")
    assert data["portal_url"] == "http://alpha-north.localhost:8080"
    old = client.post("/customer/sessions", json={"email": camilla.email, "password": camilla.password},
                      headers=identity("a1"))
    assert old.status_code == 401


def test_completing_a_reset_kills_the_other_outstanding_links_of_the_account(client, identity, reset_link):
    older, newer = reset_link(), reset_link()
    assert client.post(f"/password-resets/{newer}", json={"new_password": "a brand new passphrase"},
                       headers=identity("a1")).status_code == 204
    assert client.get(f"/password-resets/{older}", headers=identity("a1")).status_code == 410


# -- the customer's own change ----------------------------------------------------------------

def change(client, headers, current, new):
    return client.post("/customer/password", json={"current_password": current, "new_password": new}, headers=headers)


def test_a_password_change_requires_the_current_password(client, customer_session, outbox, world):
    camilla = world.contacts["camilla"]
    _, headers = customer_session("a1", camilla.email, camilla.password)
    response = change(client, headers, "not-my-passphrase", "a brand new passphrase")
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["current_password"]
    assert outbox("password_changed") == []


def test_a_password_change_refuses_a_common_new_password(client, customer_session, world):
    camilla = world.contacts["camilla"]
    _, headers = customer_session("a1", camilla.email, camilla.password)
    for weak in ("qwerty123", "short"):
        response = change(client, headers, camilla.password, weak)
        assert response.status_code == 422
        assert list(response.get_json()["errors"]) == ["new_password"]


def test_a_password_change_ends_every_session_including_the_one_used_and_writes_password_changed(
        client, identity, sessions, customer_session, outbox, world):
    camilla = world.contacts["camilla"]
    used, headers = customer_session("a1", camilla.email, camilla.password)
    other, _ = customer_session("a2", camilla.email, camilla.password)
    assert change(client, headers, camilla.password, "a brand new passphrase").status_code == 204
    assert sessions.get(used) is None and sessions.get(other) is None
    events = outbox("password_changed")
    assert [(e["data"]["contact_id"], e["data"]["how"]) for e in events] == [(camilla.id, "changed")]
    assert client.post("/customer/sessions", json={"email": camilla.email, "password": "a brand new passphrase"},
                       headers=identity("a1")).status_code == 201


def test_a_password_change_needs_a_signed_in_customer(client, identity, staff_session, world):
    camilla = world.contacts["camilla"]
    anonymous = change(client, identity("a1"), camilla.password, "a brand new passphrase")
    assert anonymous.status_code == 401
    as_staff = change(client, staff_session("a1", "admin"), "admin-staff-passphrase", "a brand new passphrase")
    assert as_staff.status_code == 401
    # A session of company A presented on company B's portal names nobody there.
    spoofed = identity("b1", account=("customer", camilla.id), session_tenant_id=world.tenant_a)
    assert change(client, spoofed, camilla.password, "a brand new passphrase").status_code == 401


# -- nobody else writes a customer's password -------------------------------------------------

WRITES = {
    ("POST", "/customer/sessions"), ("POST", "/sessions/end"), ("PATCH", "/customer/me"),
    ("POST", "/customer/password"), ("POST", "/password-resets"), ("POST", "/password-resets/<token>"),
    ("POST", "/invitations/<token>/accept"),
    ("POST", "/staff/sessions"), ("POST", "/staff/invitations"), ("POST", "/staff/invitation-batches"),
    ("POST", "/staff/api-keys"),
    ("DELETE", "/staff/api-keys/<uuid:key_id>"), ("POST", "/staff/operator/companies/<uuid:tenant_id>/api-keys"),
    ("PUT", "/integration/contacts/<string(maxlength=100):external_id>"),
    ("PUT", "/integration/properties/<string(maxlength=100):external_id>"),
    ("PUT", "/integration/properties/<string(maxlength=100):external_id>/contacts"),
}


def test_the_only_writing_routes_are_the_reviewed_ones_and_only_the_reset_and_own_change_take_a_new_password(app):
    writes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods - {"GET", "HEAD", "OPTIONS"}}
    assert writes == WRITES
    password_routes = {(m, r) for m, r in writes if "password" in r}
    assert password_routes == {("POST", "/customer/password"), ("POST", "/password-resets"),
                               ("POST", "/password-resets/<token>")}
    assert not any("password" in rule.rule or "reset" in rule.rule
                   for rule in app.url_map.iter_rules() if rule.rule.startswith(("/staff", "/integration")))


def test_staff_cannot_slip_a_password_into_a_contact_or_profile_write(
        client, operator, identity, bearer, rows, world, cheap_passwords):
    camilla = world.contacts["camilla"]
    created = client.post(f"/staff/operator/companies/{world.tenant_a}/api-keys", headers=operator,
                          json={"name": "crm", "scopes": ["contacts:write"]})
    key = created.get_json()["key"]
    before = rows("SELECT password_hash FROM contacts WHERE id = :id", id=camilla.id)
    response = client.put(f"/integration/contacts/{camilla.external_id}", headers=bearer(key),
                          json={"email": camilla.email, "first_name": "Camilla", "last_name": "Sailor",
                                "password": "set-by-the-back-office"})
    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]
    assert rows("SELECT password_hash FROM contacts WHERE id = :id", id=camilla.id) == before
    assert cheap_passwords.verify(before[0]["password_hash"], camilla.password)


@pytest.mark.parametrize("not_an_email", ["camilla", "camilla@", "@example.com", "camilla at example.com"])
def test_a_reset_request_for_text_that_is_not_an_email_is_named_as_such(client, identity, outbox, not_an_email):
    response = request_reset(client, identity("a1"), not_an_email)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"email": ["Enter a valid email"]}
    assert outbox("password_reset_requested") == []
