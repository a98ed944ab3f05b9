"""Handler of billing's `payment_returned` for the `notifications.emails` consumer: the customer who made
the ACH payment is told their bank returned it and which invoices are open again (the draft is
domain/payment_returns_emails.py). `handlers.email_handlers` takes it in with one line, passing its
`queue_email` (this module does not import handlers: no import cycle)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from portal_notifications.adapters.templates import EmailRenderer, default_renderer
from portal_notifications.domain.payment_returns_emails import payment_returned_email
from portal_shared.events.envelope import Envelope, load_event
from portal_shared.logging import get_logger

log = get_logger(__name__)


def payment_returns_email_handlers(queue_email: Callable[..., Any]) -> dict[str, Callable[..., None]]:
    """{"payment_returned": handler(session, envelope, *, mail_from, renderer)}."""
    def handle_payment_returned(session: Session, envelope: Envelope, *, mail_from: str,
                                renderer: EmailRenderer | None = None) -> None:
        """Queue 'Your bank returned your payment' to the paying contact, if billing knew their address."""
        _tenant_id, data = load_event(envelope, "payment_returned")
        draft = payment_returned_email(data)
        if draft is None:
            log.info("email_skipped_no_contact_address", event_id=envelope.id, event_type=envelope.type,
                     tenant_id=envelope.tenant_id, branch_id=envelope.branch_id)
            return
        queue_email(session, envelope, draft, mail_from=mail_from, renderer=renderer or default_renderer())
    return {"payment_returned": handle_payment_returned}
