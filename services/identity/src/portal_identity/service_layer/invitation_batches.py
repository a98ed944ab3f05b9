"""Bulk invitations, accepted at once and sent by the worker.

Sending 500 invitations takes seconds; the staff console cannot wait for them on one request, and
a sender who sees a timeout sends again. So a send is *accepted* — checked (permissions, the
template), stored as a batch with the sender's idempotency key, answered 202 — and the worker's
`invitation-sender` loop does the sending in chunks, each chunk in its own transaction with its
invitations, their outbox events and its results. The batch is in the database, so a restart
loses nothing: the next worker resumes after the last committed chunk. The same key from the same
sender finds the same batch (never a second set of invitations); the same key with a different
form is refused.
"""
from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from portal_identity.adapters.orm import InvitationBatch, StaffUser
from portal_identity.service_layer.accounts import branch_of, now
from portal_identity.service_layer.context import Caller
from portal_identity.service_layer.invitations import check_sender, invite_many, refused
from portal_shared.db import Database
from portal_shared.errors import ApiError, Conflict, Forbidden, NotFound
from portal_shared.logging import get_logger

log = get_logger(__name__)
CHUNK = 100  # recipients per transaction (set-based: ~0.1 s); a crash repeats at most this many lookups, never an invitation
IDLE_WAIT_SECONDS = 1.0


def _digest(subject: str, body: str, recipients: list[dict[str, str]]) -> str:
    canonical = json.dumps({"subject": subject, "body": body,
                            "recipients": [{"contact_id": str(r["contact_id"]), "email": r.get("email")}
                                           for r in recipients]}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def accept_batch(session: Session, *, caller: Caller, staff: StaffUser, idempotency_key: str, subject: str,
                 body: str, recipients: list[dict[str, str]]) -> InvitationBatch:
    """Store a batch to send (or find the one this key already names); 403/422 before anything is stored."""
    check_sender(session, caller=caller, staff=staff, subject=subject, body=body)
    branch_of(session, caller)
    digest = _digest(subject, body, recipients)
    values = {"tenant_id": caller.tenant_id, "branch_id": caller.branch_id, "staff_id": staff.id,
              "idempotency_key": idempotency_key, "request_digest": digest, "subject": subject, "body": body,
              "recipients": [{"contact_id": str(r["contact_id"]), **({"email": r["email"]} if r.get("email") else {})}
                             for r in recipients],
              "results": [], "status": "pending"}
    # Two concurrent sends of one form: the unique key lets one insert, the other finds it.
    session.execute(insert(InvitationBatch).values(**values)
                    .on_conflict_do_nothing(index_elements=["tenant_id", "branch_id", "staff_id", "idempotency_key"]))
    batch = session.scalar(sa.select(InvitationBatch).where(InvitationBatch.tenant_id == caller.tenant_id,
                                                            InvitationBatch.branch_id == caller.branch_id,
                                                            InvitationBatch.staff_id == staff.id,
                                                            InvitationBatch.idempotency_key == idempotency_key))
    if batch.request_digest != digest:
        raise Conflict("This Idempotency-Key was already used for other invitations; send these with a new key.",
                       code="idempotency_key_reused")
    return batch


def get_batch(session: Session, *, caller: Caller, staff: StaffUser, batch_id: str) -> InvitationBatch:
    """The sender's own batch at this branch; anyone else's answers 404."""
    batch = session.get(InvitationBatch, batch_id)
    if (batch is None or batch.tenant_id != caller.tenant_id or batch.branch_id != caller.branch_id
            or batch.staff_id != staff.id):
        raise NotFound("No such invitation batch.")
    return batch


def batch_view(batch: InvitationBatch) -> dict[str, Any]:
    results = list(batch.results or [])
    return {"batch_id": batch.id, "status": batch.status, "total": len(batch.recipients),
            "done": len(results), "sent": sum(1 for r in results if r["status"] == "sent"),
            "refused": sum(1 for r in results if r["status"] != "sent"), "subject": batch.subject,
            "body": batch.body, "results": results, "created_at": batch.created_at,
            "completed_at": batch.completed_at}


def send_next_chunk(session: Session, *, chunk: int = CHUNK) -> bool:
    """Send the next recipients of the oldest pending batch; False when there is nothing to send."""
    batch = session.scalar(sa.select(InvitationBatch).where(InvitationBatch.status == "pending")
                           .order_by(InvitationBatch.created_at).limit(1)
                           .with_for_update(skip_locked=True))  # several workers share the work
    if batch is None:
        return False
    caller = Caller(tenant_id=batch.tenant_id, branch_id=batch.branch_id, account_kind="staff",
                    account_id=batch.staff_id)
    done = list(batch.results or [])
    staff = session.get(StaffUser, batch.staff_id)
    try:
        if staff is None or not staff.active:
            raise Forbidden("The sender's staff account is no longer active.", code="sender_inactive")
        branch = branch_of(session, caller)
        # Checked again: the sender may have lost the permissions since the batch was accepted.
        template = check_sender(session, caller=caller, staff=staff, subject=batch.subject, body=batch.body)
    except ApiError as error:  # nothing more can be sent: each remaining recipient says why
        done += [refused(str(r["contact_id"]), r.get("email"), error.code, error.detail or error.title)
                 for r in batch.recipients[len(done):]]
    else:
        done += _invite_chunk(session, recipients=batch.recipients[len(done):len(done) + chunk], batch_id=batch.id,
                              caller=caller, staff=staff, template=template, branch=branch)
    batch.results = done
    if len(done) >= len(batch.recipients):
        batch.status = "done"
        batch.completed_at = now()
        log.info("invitation_batch_done", batch_id=batch.id, total=len(done))
    session.flush()
    return True


def _invite_chunk(session: Session, *, recipients: list[dict], batch_id: str, **context) -> list[dict[str, Any]]:
    """The chunk's recipients at once (`invite_many`, a few statements in all). Should that fail — one
    recipient's invitation could not be made or written — the chunk is undone and sent again one recipient
    at a time, so only that recipient is refused."""
    try:
        with session.begin_nested():
            return invite_many(session, recipients=recipients, **context)
    except sa.exc.OperationalError:
        raise  # the database itself is away: the whole chunk waits and is tried again
    except Exception:  # noqa: BLE001 - the one-by-one pass below logs the recipient that fails
        log.warning("invitation_chunk_failed_one_by_one", batch_id=batch_id, recipients=len(recipients))
    return [_invite_or_refuse(session, recipient=recipient, batch_id=batch_id, **context) for recipient in recipients]


def _invite_or_refuse(session: Session, *, recipient: dict, batch_id: str, **context) -> dict[str, Any]:
    """One recipient, in a savepoint: an unexpected failure refuses this one recipient (the sender can send
    it again), so it can neither undo the chunk nor hold every company's batches behind it forever."""
    try:
        with session.begin_nested():
            [result] = invite_many(session, recipients=[recipient], **context)
            return result
    except sa.exc.OperationalError:
        raise
    except Exception:  # noqa: BLE001 - recorded on the recipient, logged with its trace
        log.exception("invitation_send_failed", batch_id=batch_id, contact_id=str(recipient.get("contact_id")))
        return refused(str(recipient["contact_id"]), recipient.get("email"), "send_failed",
                       "This invitation could not be sent. Please send it again.")


def sender_loop(db: Database):
    """The worker's `invitation-sender` loop: send while batches wait, then look again every second.
    A database outage only pauses it."""
    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with db.unit_of_work() as session:
                    worked = send_next_chunk(session)
            except sa.exc.SQLAlchemyError as exc:
                log.warning("invitation_sender_database_error", error=str(exc).splitlines()[0][:300])
                stop.wait(2.0)
                continue
            if not worked:
                stop.wait(IDLE_WAIT_SECONDS)
    return run
