"""Decline and Request Changes (issue 9 part 6, docs/adr/0025) on the real app and PostgreSQL: a Primary or
Billing contact answers a Pending version once, with a comment (422 naming `comment` when empty); the
proposal then shows the status and the comment, Select & Sign is no longer offered, the trail records it and
`proposal_declined` / `proposal_changes_requested` go to the outbox; a new version is Pending again. And the
back office's Won or Lost, put on a Pending proposal, is what the customer then reads."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from portal_testkit.pytest_plugin import assert_problem

from .conftest import put_proposal
from .test_signing import DOT, as_, contacts, seal_keys, signature, signing  # noqa: F401 — fixtures

COMMENT = "Please split the mulch work into two visits."


def answer(client, headers, proposal_id, action="decline", **body):
    return client.post(f"/proposals/{proposal_id}/{action}", json={"version": 1, "comment": COMMENT, **body},
                       headers=headers)


def outbox(db, event_type):
    with db.unit_of_work() as session:
        return [row["data"] for row in session.execute(sa.text(
            "SELECT payload FROM outbox WHERE event_type = :t"), {"t": event_type}).scalars()]


def test_the_primary_contact_declines_with_a_comment_and_the_proposal_shows_it(app_client, headers, signing, db):
    me = as_(headers, signing["me"])
    response = answer(app_client, me, signing["id"], comment=f"  {COMMENT}  ")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["status"], body["comment"], body["contact_name"]) == (
        "declined", "Declined", COMMENT, "Camilla Sailor")

    detail = app_client.get(f"/proposals/{signing['id']}", headers=me).get_json()
    assert detail["status"] == "Declined" and detail["may_sign"] is False and detail["may_respond"] is False
    assert detail["response"]["comment"] == COMMENT and detail["response"]["status"] == "Declined"
    [row] = [r for r in app_client.get("/proposals", headers=me).get_json() if r["id"] == signing["id"]]
    assert row["status"] == "Declined"
    assert app_client.get("/summary", headers=me).get_json()["pending_proposals"] == 0

    [data] = outbox(db, "proposal_declined")
    assert (data["number"], data["comment"], data["contact_name"], data["version"]) == (
        "88", COMMENT, "Camilla Sailor", 1)
    assert data["sales_rep"] == {"name": "Camilla Sailor", "email": "cseiler@example.com"}
    with db.unit_of_work() as session:
        trail = session.execute(sa.text(
            "SELECT kind, signer_name, client_address, details FROM proposal_audit_events ORDER BY id")).all()
    assert trail[-1].kind == "declined" and trail[-1].signer_name == "Camilla Sailor"
    assert trail[-1].client_address == "203.0.113.9" and trail[-1].details["comment"] == COMMENT

    # Select & Sign is no longer offered, and a signature is refused.
    assert app_client.get(f"/proposals/{signing['id']}/signing", headers=me).get_json()["may_sign"] is False
    assert_problem(app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me), 409,
                   "not_signable")


def test_request_changes_is_once_per_version_whoever_asks(app_client, headers, signing, db):
    me, biller = as_(headers, signing["me"]), as_(headers, signing["biller"])
    assert answer(app_client, biller, signing["id"], "request-changes").status_code == 201
    assert_problem(answer(app_client, me, signing["id"], "request-changes"), 409, "already_responded")
    assert_problem(answer(app_client, me, signing["id"], "decline"), 409, "already_responded")
    detail = app_client.get(f"/proposals/{signing['id']}", headers=me).get_json()
    assert detail["status"] == "Changes Requested" and detail["response"]["contact_name"] == "Bill Payer"
    assert len(outbox(db, "proposal_changes_requested")) == 1 and outbox(db, "proposal_declined") == []


def test_two_answers_at_once_make_one(app_client, headers, signing, db):
    results = []

    def go(who, action):
        results.append(answer(app_client, as_(headers, who), signing["id"], action).status_code)
    threads = [threading.Thread(target=go, args=(signing["me"], "decline")),
               threading.Thread(target=go, args=(signing["biller"], "request-changes"))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == [201, 409]
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_responses")) == 1
        assert session.scalar(sa.text("SELECT count(*) FROM outbox WHERE event_type IN "
                                      "('proposal_declined', 'proposal_changes_requested')")) == 1


def test_an_empty_comment_is_422_naming_it_and_nothing_is_written(app_client, headers, signing, db):
    me = as_(headers, signing["me"])
    for body in ({"comment": "   "}, {"comment": ""}, {"comment": "x" * 2001}):
        problem = assert_problem(answer(app_client, me, signing["id"], **body), 422)
        assert "comment" in problem["errors"] or "comment" in problem.get("errors", {}).get("json", {})
    assert_problem(app_client.post(f"/proposals/{signing['id']}/decline", json={"version": 1}, headers=me), 422)
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_responses")) == 0
    assert app_client.get(f"/proposals/{signing['id']}", headers=me).get_json()["status"] == "Pending"


def test_only_primary_and_billing_contacts_answer(app_client, headers, signing, db):
    assert_problem(answer(app_client, as_(headers, signing["other"]), signing["id"]), 403)
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_responses")) == 0


def test_a_signed_proposal_cannot_be_declined(app_client, headers, signing):
    me = as_(headers, signing["me"])
    assert app_client.post(f"/proposals/{signing['id']}/signature", json=signature(), headers=me).status_code == 201
    assert_problem(answer(app_client, me, signing["id"]), 409, "already_signed")


def test_a_new_version_from_the_back_office_is_pending_again(app_client, headers, back_office, signing, proposal_88):
    me = as_(headers, signing["me"])
    assert answer(app_client, me, signing["id"], "request-changes").status_code == 201
    changed = {**proposal_88, "services": [*proposal_88["services"][:2], {"name": "EN- Shrub Installation",
                                                                          "visits": 2, "amount": "1694.73"}]}
    assert put_proposal(app_client, back_office(), "crm-88", changed).get_json()["new_version"] is True
    detail = app_client.get(f"/proposals/{signing['id']}", headers=me).get_json()
    assert (detail["version"], detail["status"], detail["response"], detail["may_sign"]) == (2, "Pending", None, True)
    assert_problem(answer(app_client, me, signing["id"]), 409, "proposal_changed")   # it read version 1
    assert answer(app_client, me, signing["id"], version=2).status_code == 201


def test_the_portal_follows_the_back_offices_won_and_lost(app_client, headers, back_office, signing, proposal_88):
    me = as_(headers, signing["me"])
    status = lambda: app_client.get(f"/proposals/{signing['id']}", headers=me).get_json()  # noqa: E731
    assert status()["status"] == "Pending"
    assert put_proposal(app_client, back_office(), "crm-88", {**proposal_88, "status": "Won"}).status_code == 200
    assert (status()["status"], status()["may_sign"]) == ("Accepted", False)
    assert put_proposal(app_client, back_office(), "crm-88", {**proposal_88, "status": "Lost"}).status_code == 200
    assert (status()["status"], status()["may_sign"]) == ("Rejected", False)


def test_lost_wins_over_a_declined_response(app_client, headers, back_office, signing, proposal_88):
    me = as_(headers, signing["me"])
    assert answer(app_client, me, signing["id"]).status_code == 201
    put_proposal(app_client, back_office(), "crm-88", {**proposal_88, "status": "Lost"})
    detail = app_client.get(f"/proposals/{signing['id']}", headers=me).get_json()
    assert detail["status"] == "Rejected" and detail["response"]["comment"] == COMMENT
