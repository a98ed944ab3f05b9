"""Handlers of proposals' events on the `notifications.emails` consumer: the sales rep hears when a
customer signs (with the optional services added and the new total), declines or asks for changes
(drafts in domain/proposal_emails.py)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_notifications.adapters.templates import EmailRenderer, default_renderer
from portal_notifications.domain.proposal_emails import proposal_response_email, proposal_signed_email
from portal_notifications.service_layer.outbound import DEFAULT_MAIL_FROM, queue_email
from portal_shared.events.envelope import Envelope
from portal_shared.logging import get_logger

log = get_logger(__name__)


def _queue(session: Session, envelope: Envelope, draft, *, mail_from: str, renderer: EmailRenderer | None) -> None:
    if draft is None:
        log.info("proposal_email_skipped_no_rep_email", event_id=envelope.id, event_type=envelope.type,
                 tenant_id=envelope.tenant_id)
        return
    queue_email(session, envelope, draft, mail_from=mail_from, renderer=renderer or default_renderer())


def handle_proposal_signed(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                           renderer: EmailRenderer | None = None) -> None:
    """Queue '<customer> signed proposal #N and added …' to the sales rep."""
    _queue(session, envelope, proposal_signed_email(envelope.data), mail_from=mail_from, renderer=renderer)


def handle_proposal_response(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                             renderer: EmailRenderer | None = None) -> None:
    """Queue '<customer> declined proposal #N' / '… asked for changes to proposal #N' to the sales rep."""
    _queue(session, envelope, proposal_response_email(envelope.type, envelope.data), mail_from=mail_from,
           renderer=renderer)


PROPOSAL_EMAIL_HANDLERS = {"proposal_signed": handle_proposal_signed,
                           "proposal_declined": handle_proposal_response,
                           "proposal_changes_requested": handle_proposal_response}
