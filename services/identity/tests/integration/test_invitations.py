"""Customer Portal invitations: who may send them, what the email says, and the single-use,
company-bound link that turns a contact into a verified customer."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal_identity.domain.tokens import token_digest

pytestmark = pytest.mark.integration

SUBJECT = "[ContactName], you've been invited to the Customer Portal!"
BODY = "Hello [ContactFirstName], [SenderName] of [CompanyName] ([BranchName]) invites you: [CustomerPortalLink]"


@pytest.fixture
def invite(client, staff_session, world):
    """Send invitations as a staff user of company A's branch a1; returns the response."""

    def send(staff: str, *contacts: str, subject: str = SUBJECT, body: str = BODY, branch: str = "a1"):
        recipients = [{"contact_id": world.contacts[c].id} for c in contacts]
        return client.post("/staff/invitations", json={"subject": subject, "body": body, "recipients": recipients},
                           headers=staff_session(branch, staff))

    return send


@pytest.fixture
def invitation_token(invite, outbox):
    """Invite a contact as the Branch Manager and return the token of the link in the email."""

    def make(contact: str = "dana") -> str:
        response = invite("manager", contact)
        assert response.get_json()["results"][0]["status"] == "sent", response.get_json()
        return outbox("invitation_created")[-1]["data"]["link"].rsplit("/", 1)[1]

    return make


def accept(client, headers, token, first="Dana", last="Whitfield", password="dana chose a passphrase"):
    return client.post(f"/invitations/{token}/accept", json={"first_name": first, "last_name": last,
                                                             "password": password}, headers=headers)


# -- sending --------------------------------------------------------------------------------

def test_a_sales_rep_is_refused_with_missing_permission_naming_both_permissions(invite, outbox, rows):
    response = invite("rep", "dana")
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "missing_permission"
    assert "Send Customer Portal Invitation" in body["detail"] and "Bulk Email Contacts" in body["detail"]
    assert rows("SELECT id FROM invitations") == [] and outbox() == []


def test_an_email_without_the_customer_portal_link_is_refused_with_422_naming_body(invite, outbox):
    response = invite("manager", "dana", body="Hello [ContactFirstName], please sign up on our website.")
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == ["body"] and "[CustomerPortalLink]" in errors["body"][0]
    assert outbox() == []


def test_inviting_an_uninvited_contact_sends_a_rendered_email_from_the_staff_with_a_link_under_the_portal(
        invite, outbox, rows, world):
    response = invite("manager", "dana")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["results"] == [{"contact_id": world.contacts["dana"].id, "name": "Dana Whitfield",
                                               "email": "dana@example.com", "status": "sent", "code": None,
                                               "message": "Invitation sent to dana@example.com."}]
    [event] = outbox("invitation_created")
    data = event["data"]
    assert data["subject"] == "Dana Whitfield, you've been invited to the Customer Portal!"
    assert data["sender"] == {"name": "Sam Ortiz", "email": "manager@alpha.example"}
    assert data["to_email"] == "dana@example.com" and data["contact_id"] == world.contacts["dana"].id
    prefix = "http://alpha-north.localhost:8080/invitation/"
    assert data["link"].startswith(prefix)
    token = data["link"][len(prefix):]
    assert data["body_text"] == (f"Hello Dana, Sam Ortiz of Alpha Landscaping (North) invites you: {data['link']}")
    assert event["tenant_id"] == world.tenant_a and event["branch_id"] == world.branches["a1"]["id"]
    # The link's token is stored only as its SHA-256 digest.
    stored = rows("SELECT token_digest, to_email, invited_by::text FROM invitations")
    assert stored == [{"token_digest": token_digest(token), "to_email": "dana@example.com",
                       "invited_by": world.staff["manager"].id}]


def test_inviting_again_revokes_the_first_link_and_only_the_second_works(client, identity, invitation_token):
    first = invitation_token()
    second = invitation_token()
    assert first != second
    assert client.get(f"/invitations/{first}", headers=identity("a1")).status_code == 410
    assert accept(client, identity("a1"), first).status_code == 410
    check = client.get(f"/invitations/{second}", headers=identity("a1"))
    assert check.status_code == 200
    assert check.get_json() == {"email": "dana@example.com", "first_name": "Dana", "last_name": "Whitfield",
                                "company_name": "Alpha Landscaping"}
    assert accept(client, identity("a1"), second).status_code == 201


def test_a_verified_contact_is_refused_as_already_verified_with_a_pointer_to_forgot_password(invite, outbox, world):
    response = invite("manager", "camilla")
    assert response.status_code == 200
    [result] = response.get_json()["results"]
    assert (result["contact_id"], result["status"], result["code"]) == (
        world.contacts["camilla"].id, "refused", "already_verified")
    assert "Forgot Password" in result["message"]
    assert outbox("invitation_created") == []


def test_a_contact_of_another_company_is_refused_as_not_found_while_the_rest_of_the_batch_is_sent(invite, outbox):
    response = invite("manager", "bob", "dana")
    results = response.get_json()["results"]
    assert [(r["status"], r["code"]) for r in results] == [("refused", "contact_not_found"), ("sent", None)]
    assert [e["data"]["to_email"] for e in outbox("invitation_created")] == ["dana@example.com"]


def test_inviting_needs_a_signed_in_staff_user(client, identity, customer_session, world):
    camilla = world.contacts["camilla"]
    _, as_customer = customer_session("a1", camilla.email, camilla.password)
    payload = {"subject": SUBJECT, "body": BODY, "recipients": [{"contact_id": world.contacts["dana"].id}]}
    assert client.post("/staff/invitations", json=payload, headers=identity("a1")).status_code == 401
    assert client.post("/staff/invitations", json=payload, headers=as_customer).status_code == 401


# -- accepting ------------------------------------------------------------------------------

def test_accepting_with_bad_names_answers_422_with_the_seeds_messages_and_leaves_the_link_usable(
        client, identity, invitation_token, seed_messages):
    token = invitation_token()
    response = accept(client, identity("a1"), token, first="J", last="Wh1tfield")
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"first_name": [seed_messages["first_name"]],
                                             "last_name": [seed_messages["last_name"]]}
    weak = accept(client, identity("a1"), token, password="password1")
    assert weak.status_code == 422 and list(weak.get_json()["errors"]) == ["password"]
    assert client.get(f"/invitations/{token}", headers=identity("a1")).status_code == 200


def test_accepting_verifies_the_contact_creates_a_session_publishes_the_contact_and_works_only_once(
        client, identity, sessions, invitation_token, outbox, rows, world):
    dana = world.contacts["dana"]
    token = invitation_token()
    response = accept(client, identity("a1"), token, first="Dána", last="O'Whitfield")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["contact_id"] == dana.id
    live = sessions.get(body["session_id"])
    assert (live.kind, live.account_id, live.tenant_id, live.branch_id) == (
        "customer", dana.id, world.tenant_a, world.branches["a1"]["id"])
    [contact] = rows("SELECT first_name, last_name, verified_at IS NOT NULL AS verified FROM contacts WHERE id = :id",
                     id=dana.id)
    assert contact == {"first_name": "Dána", "last_name": "O'Whitfield", "verified": True}
    published = [e["data"] for e in outbox("contact_upserted") if e["data"]["contact_id"] == dana.id]
    assert published[-1]["verified"] is True and published[-1]["first_name"] == "Dána"
    again = accept(client, identity("a1"), token)
    assert again.status_code == 410 and again.get_json()["code"] == "invitation_invalid"
    signed_in = client.post("/customer/sessions", json={"email": dana.email, "password": "dana chose a passphrase"},
                            headers=identity("a1"))
    assert signed_in.status_code == 201


def test_an_expired_invitation_answers_410_exactly_like_an_unknown_token(
        client, identity, invitation_token, db, without_request_id):
    token = invitation_token()
    with db.unit_of_work() as session:
        session.execute(sa.text("UPDATE invitations SET expires_at = now() - interval '1 second'"))
    expired = accept(client, identity("a1"), token)
    unknown = accept(client, identity("a1"), "no-such-invitation-token")
    assert expired.status_code == unknown.status_code == 410
    assert without_request_id(expired.get_json()) == without_request_id(unknown.get_json())
    assert client.get(f"/invitations/{token}", headers=identity("a1")).status_code == 410


def test_a_company_a_invitation_cannot_be_accepted_on_company_bs_portal(client, identity, invitation_token, rows,
                                                                         world):
    token = invitation_token()
    assert client.get(f"/invitations/{token}", headers=identity("b1")).status_code == 410
    assert accept(client, identity("b1"), token).status_code == 410
    assert rows("SELECT verified_at FROM contacts WHERE id = :id", id=world.contacts["dana"].id) == [
        {"verified_at": None}]
    assert accept(client, identity("a1"), token).status_code == 201


def test_once_one_link_is_accepted_no_other_outstanding_link_can_reset_the_account(client, identity, invite, outbox, db):
    import sqlalchemy as sa

    from portal_identity.adapters.orm import Invitation

    first = invitation_link_token(invite, outbox)
    # Simulate a second live link for the same contact (as two concurrent sends could have made).
    with db.unit_of_work() as session:
        row = session.scalar(sa.select(Invitation).order_by(Invitation.created_at.desc()))
        twin = Invitation(tenant_id=row.tenant_id, branch_id=row.branch_id, contact_id=row.contact_id,
                          token_digest=token_digest("second-live-token"), invited_by=row.invited_by,
                          to_email=row.to_email, expires_at=row.expires_at)
        session.add(twin)
    assert accept(client, identity("a1"), first).status_code == 201
    assert accept(client, identity("a1"), "second-live-token", password="an attacker's passphrase").status_code == 410


def invitation_link_token(invite, outbox) -> str:
    assert invite("manager", "dana").get_json()["results"][0]["status"] == "sent"
    return outbox("invitation_created")[-1]["data"]["link"].rsplit("/", 1)[1]
