"""Queueing an email: a draft rendered and stored as `queued` in the outbound log, once per event and
template. Every email handler (handlers.py, and each feature's `<feature>_emails.py`) ends here."""
from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.adapters.templates import EmailRenderer
from portal_notifications.domain.emails import EmailDraft, UnsafeEventData, from_address
from portal_shared.events.envelope import Envelope
from portal_shared.logging import get_logger

log = get_logger(__name__)

DEFAULT_MAIL_FROM = "Customer Portal <no-reply@portal.localhost>"


class Doorbell:
    """Wakes waiting mail senders of this process when an email was queued (rung after the commit)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._rings = 0

    def ring(self) -> None:
        with self._changed:
            self._rings += 1
            self._changed.notify_all()

    def rung(self) -> int:
        """How often it has rung so far: pass it to `wait` to wait for the next ring."""
        with self._changed:
            return self._rings

    def wait(self, rung: int, *, timeout: float) -> bool:
        """Until it rings again after `rung` (True), or `timeout` seconds (False)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._rings != rung, timeout=timeout)


MAIL_QUEUED = Doorbell()
_RING_ON_COMMIT = "ring_mail_queued_on_commit"


def _ring_after_commit(session: Session) -> None:
    # After the commit, not now: a sender woken before it would not see the row yet.
    if not session.info.get(_RING_ON_COMMIT):
        session.info[_RING_ON_COMMIT] = True
        sa.event.listen(session, "after_commit", _ring, once=True)


def _ring(session: Session) -> None:
    session.info.pop(_RING_ON_COMMIT, None)
    MAIL_QUEUED.ring()


def queue_email(session: Session, envelope: Envelope, draft: EmailDraft, *, mail_from: str,
                renderer: EmailRenderer) -> str | None:
    """Render the draft and store it as queued. Returns its id, or None when this event already has it."""
    tenant_id = envelope.tenant_id or envelope.data.get("company_id")
    if not tenant_id:
        raise UnsafeEventData(f"event {envelope.id} ({envelope.type}) names no tenant")
    return queue_draft(session, draft, tenant_id=tenant_id, branch_id=envelope.branch_id or envelope.data.get("branch_id"),
                       event_id=envelope.id, mail_from=mail_from, renderer=renderer)


def queue_draft(session: Session, draft: EmailDraft, *, tenant_id: str, branch_id: str | None, event_id: str,
                mail_from: str, renderer: EmailRenderer) -> str | None:
    """Render and queue a draft for `event_id` (an event's id, or the id of what caused the email)."""
    rendered = renderer.render(draft)
    statement = (
        insert(OutboundMessage)
        .values(
            id=str(uuid.uuid4()),
            tenant_id=tenant_id,
            branch_id=branch_id,
            event_id=event_id,
            template=draft.template,
            to_address=draft.to_address,
            from_address=from_address(mail_from, draft.from_name),
            reply_to=draft.reply_to,
            subject=rendered.subject,
            text_body=rendered.text_body,
            html_body=rendered.html_body,
        )
        # The inbox already dedupes deliveries; this guards any other path to a second copy.
        .on_conflict_do_nothing(constraint="uq_outbound_messages_event_template")
        .returning(OutboundMessage.id)
    )
    message_id = session.execute(statement).scalar()
    if message_id is None:
        log.info("email_already_queued", event_id=event_id, template=draft.template)
    else:
        log.info("email_queued", message_id=message_id, event_id=event_id, template=draft.template)
        _ring_after_commit(session)
    return message_id
