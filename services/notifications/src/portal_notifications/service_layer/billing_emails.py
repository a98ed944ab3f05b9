"""Handlers of billing's events on the `notifications.emails` consumer: the payment receipt for a payer who
opted in, and the confirmation that email receipts are on (drafts in domain/billing_emails.py)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from portal_notifications.adapters.templates import EmailRenderer, default_renderer
from portal_notifications.domain.billing_emails import payment_receipt_email, receipts_enabled_email
from portal_notifications.service_layer.outbound import DEFAULT_MAIL_FROM, queue_email
from portal_shared.events.envelope import Envelope
from portal_shared.logging import get_logger

log = get_logger(__name__)


def handle_payment_succeeded(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                             renderer: EmailRenderer | None = None) -> None:
    """Queue the receipt when billing says the payer wants one (`receipt_email`); otherwise nothing."""
    draft = payment_receipt_email(envelope.data)
    if draft is None:
        log.info("receipt_skipped_not_opted_in", event_id=envelope.id, tenant_id=envelope.tenant_id)
        return
    queue_email(session, envelope, draft, mail_from=mail_from, renderer=renderer or default_renderer())


def handle_email_receipts_enabled(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                                  renderer: EmailRenderer | None = None) -> None:
    """Queue 'Email receipts are on' to the customer who turned them on."""
    queue_email(session, envelope, receipts_enabled_email(envelope.data), mail_from=mail_from,
                renderer=renderer or default_renderer())


BILLING_EMAIL_HANDLERS = {"payment_succeeded": handle_payment_succeeded,
                          "email_receipts_enabled": handle_email_receipts_enabled}
