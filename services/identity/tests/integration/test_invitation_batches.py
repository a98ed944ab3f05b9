"""Bulk invitations from the staff console: accepted at once (202) with the sender's idempotency key,
sent by the worker's invitation-sender loop from the database, never twice for the same key."""
from __future__ import annotations

import threading
import time
import uuid

import pytest

from portal_identity.service_layer.invitation_batches import send_next_chunk, sender_loop

pytestmark = pytest.mark.integration

SUBJECT = "[ContactName], you've been invited to the Customer Portal!"
BODY = "Hello [ContactFirstName], join us: [CustomerPortalLink]"


@pytest.fixture
def send_batch(client, staff_session, world):
    def send(*contacts: str, key: str | None = "form-key-1", staff: str = "manager", body: str = BODY,
             extra: list[dict] | None = None):
        recipients = [{"contact_id": world.contacts[c].id} for c in contacts] + (extra or [])
        headers = {**staff_session("a1", staff), **({"Idempotency-Key": key} if key else {})}
        return client.post("/staff/invitation-batches", json={"subject": SUBJECT, "body": body,
                                                              "recipients": recipients}, headers=headers)
    return send


def run_worker_until_idle(db, chunk: int = 50) -> int:
    """What the worker's loop does, until nothing is pending; returns the chunks sent."""
    chunks = 0
    while True:
        with db.unit_of_work() as session:
            if not send_next_chunk(session, chunk=chunk):
                return chunks
        chunks += 1


def test_a_batch_is_accepted_at_once_and_sent_by_the_worker(send_batch, client, staff_session, db, outbox, world):
    response = send_batch("dana", "camilla")
    assert response.status_code == 202, response.get_json()
    accepted = response.get_json()
    assert accepted["status"] == "pending" and accepted["total"] == 2 and accepted["results"] == []
    assert response.headers["Location"] == f"/staff/invitation-batches/{accepted['batch_id']}"
    assert outbox("invitation_created") == []  # nothing is sent inside the request

    assert run_worker_until_idle(db) == 1
    done = client.get(f"/staff/invitation-batches/{accepted['batch_id']}", headers=staff_session("a1", "manager"))
    body = done.get_json()
    assert body["status"] == "done" and (body["done"], body["sent"], body["refused"]) == (2, 1, 1)
    assert [(r["name"], r["status"], r["code"]) for r in body["results"]] == [
        ("Dana Whitfield", "sent", None), ("Camilla Sailor", "refused", "already_verified")]
    assert (body["subject"], body["body"]) == (SUBJECT, BODY)  # the console offers them again for a resend
    assert [e["data"]["to_email"] for e in outbox("invitation_created")] == [world.contacts["dana"].email]


def test_the_same_key_returns_the_same_batch_and_never_a_second_set_of_invitations(send_batch, db, rows, outbox):
    first = send_batch("dana", key="double-click").get_json()
    run_worker_until_idle(db)
    again = send_batch("dana", key="double-click")
    assert again.status_code == 202 and again.get_json()["batch_id"] == first["batch_id"]
    assert again.get_json()["status"] == "done"
    run_worker_until_idle(db)
    assert len(rows("SELECT id FROM invitations")) == 1 and len(outbox("invitation_created")) == 1
    assert len(rows("SELECT id FROM invitation_batches")) == 1


def test_concurrent_sends_of_one_form_make_one_batch(app, staff_session, world, rows):
    headers = {**staff_session("a1", "manager"), "Idempotency-Key": "racing-form"}
    payload = {"subject": SUBJECT, "body": BODY, "recipients": [{"contact_id": world.contacts["dana"].id}]}
    barrier = threading.Barrier(4)
    answers: list[str] = []

    def send():
        barrier.wait()
        answers.append(app.test_client().post("/staff/invitation-batches", json=payload, headers=headers)
                       .get_json()["batch_id"])

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(answers)) == 1 and len(rows("SELECT id FROM invitation_batches")) == 1


def test_the_same_key_with_another_form_is_refused(send_batch):
    send_batch("dana", key="reused")
    response = send_batch("dana", key="reused", body="Other words: [CustomerPortalLink]")
    assert response.status_code == 409 and response.get_json()["code"] == "idempotency_key_reused"


def test_a_batch_needs_a_key_the_link_and_the_permissions_before_anything_is_stored(send_batch, rows):
    assert send_batch("dana", key=None).status_code == 422
    no_link = send_batch("dana", key="k2", body="Hello, sign up on our website.")
    assert no_link.status_code == 422 and list(no_link.get_json()["errors"]) == ["body"]
    assert send_batch("dana", key="k3", staff="rep").status_code == 403
    assert rows("SELECT id FROM invitation_batches") == []


def test_five_hundred_recipients_are_accepted_without_waiting_for_them(send_batch):
    strangers = [{"contact_id": str(uuid.uuid4())} for _ in range(499)]
    started = time.monotonic()
    response = send_batch("dana", extra=strangers)
    assert response.status_code == 202 and response.get_json()["total"] == 500
    assert time.monotonic() - started < 2.0


def test_an_accepted_batch_survives_a_restart_and_the_next_worker_resumes_where_the_last_stopped(
        send_batch, db, rows, outbox, world):
    batch_id = send_batch("dana", "april", "walt").get_json()["batch_id"]
    with db.unit_of_work() as session:  # a worker that commits one chunk of one, then dies
        assert send_next_chunk(session, chunk=1)
    assert len(outbox("invitation_created")) == 1
    # A new worker process: the real loop, stopped once the batch is done.
    stop = threading.Event()
    thread = threading.Thread(target=sender_loop(db), args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if rows("SELECT status FROM invitation_batches WHERE id = :id", id=batch_id)[0]["status"] == "done":
            break
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    [batch] = rows("SELECT status, results FROM invitation_batches")
    assert batch["status"] == "done"
    # Each recipient handled once, in order: Dana by the first worker, April and Walt (who already have
    # accounts) by the second; Dana's invitation was not sent again.
    assert [(r["contact_id"], r["status"]) for r in batch["results"]] == [
        (world.contacts["dana"].id, "sent"), (world.contacts["april"].id, "refused"),
        (world.contacts["walt"].id, "refused")]
    assert [e["data"]["to_email"] for e in outbox("invitation_created")] == [world.contacts["dana"].email]


def test_a_batch_is_shown_only_to_its_sender(send_batch, client, staff_session):
    batch_id = send_batch("dana").get_json()["batch_id"]
    assert client.get(f"/staff/invitation-batches/{batch_id}", headers=staff_session("a1", "admin")).status_code == 404
    assert client.get(f"/staff/invitation-batches/{uuid.uuid4()}",
                      headers=staff_session("a1", "manager")).status_code == 404


def test_a_recipient_whose_send_fails_unexpectedly_is_refused_alone_and_the_batch_finishes(
        send_batch, client, staff_session, db, outbox, world, monkeypatch):
    """One failure must neither undo the chunk nor keep the oldest batch (and every company's behind it)
    pending for ever: that recipient is refused with `send_failed`, the others go out."""
    from portal_identity.service_layer import invitation_batches

    real = invitation_batches.invite_many

    def flaky(session, *, recipients, **context):  # fails whenever April is among the recipients
        if any(r["contact_id"] == world.contacts["april"].id for r in recipients):
            raise RuntimeError("the template engine fell over")
        return real(session, recipients=recipients, **context)

    monkeypatch.setattr(invitation_batches, "invite_many", flaky)
    accepted = send_batch("april", "dana", key="flaky").get_json()
    assert run_worker_until_idle(db) == 1
    body = client.get(f"/staff/invitation-batches/{accepted['batch_id']}",
                      headers=staff_session("a1", "manager")).get_json()
    assert body["status"] == "done"
    assert [(r["contact_id"], r["status"], r["code"]) for r in body["results"]] == [
        (world.contacts["april"].id, "refused", "send_failed"), (world.contacts["dana"].id, "sent", None)]
    assert [e["data"]["to_email"] for e in outbox("invitation_created")] == [world.contacts["dana"].email]


def test_a_chunk_decides_its_recipients_in_order_against_what_the_earlier_ones_changed(
        send_batch, client, staff_session, db, rows, outbox, world):
    """One chunk, set-based, still behaves as if each recipient were sent alone, in order: an email one recipient
    takes or frees counts for the next, and a contact listed again gets a new link that revokes the last."""
    dana, camilla = world.contacts["dana"], world.contacts["camilla"]
    accepted = send_batch(extra=[{"contact_id": dana.id, "email": "dana.new@example.com"},
                                 {"contact_id": dana.id, "email": camilla.email},
                                 {"contact_id": dana.id},
                                 {"contact_id": dana.id, "email": dana.email},
                                 {"contact_id": str(uuid.uuid4())}], key="in-order").get_json()
    assert run_worker_until_idle(db) == 1
    body = client.get(f"/staff/invitation-batches/{accepted['batch_id']}",
                      headers=staff_session("a1", "manager")).get_json()
    assert [(r["status"], r["code"], r["email"]) for r in body["results"]] == [
        ("sent", None, "dana.new@example.com"), ("refused", "email_taken", camilla.email),
        ("sent", None, "dana.new@example.com"), ("sent", None, dana.email), ("refused", "contact_not_found", None)]
    events = outbox("invitation_created")
    assert [e["data"]["to_email"] for e in events] == ["dana.new@example.com", "dana.new@example.com", dana.email]
    invitations = {i["id"]: i for i in rows("SELECT id::text AS id, to_email, revoked_at IS NOT NULL AS revoked FROM invitations")}
    assert [(invitations[e["data"]["invitation_id"]]["to_email"], invitations[e["data"]["invitation_id"]]["revoked"])
            for e in events] == [("dana.new@example.com", True), ("dana.new@example.com", True), (dana.email, False)]
    assert [(e["data"]["email"], e["data"]["revision"]) for e in outbox("contact_upserted")] == [
        ("dana.new@example.com", 2), (dana.email, 3)]
    assert rows("SELECT email, revision FROM contacts WHERE id = :id", id=dana.id) == [{"email": dana.email, "revision": 3}]
