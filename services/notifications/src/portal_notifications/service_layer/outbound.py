"""Queueing an email: a draft rendered and stored as `queued` in the outbound log, once per event and
template. Every email handler (handlers.py, and each feature's `<feature>_emails.py`) ends here."""
from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.adapters.templates import EmailRenderer
from portal_notifications.domain.emails import EmailDraft, UnsafeEventData, from_address
from portal_shared.events.envelope import Envelope
from portal_shared.logging import get_logger

log = get_logger(__name__)

DEFAULT_MAIL_FROM = "Customer Portal <no-reply@portal.localhost>"


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
    return message_id
