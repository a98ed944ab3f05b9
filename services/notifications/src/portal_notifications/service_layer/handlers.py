"""Handlers of the `notifications.emails` consumer: an event in, rendered emails queued.

Each runs inside the consumer's unit of work (which also writes the inbox row and commits),
so an email is queued exactly when its event is marked handled. Sending happens later, in
the mail sender, so an SMTP outage never holds up or fails the consumer.
"""
from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from portal_notifications.adapters.templates import EmailRenderer, default_renderer
from portal_notifications.domain.emails import (
    invitation_email,
    parse_time,
    password_changed_email,
    password_reset_email,
    portal_live_email,
)
from portal_notifications.service_layer.billing_emails import BILLING_EMAIL_HANDLERS
from portal_notifications.service_layer.outbound import DEFAULT_MAIL_FROM, queue_email
from portal_notifications.service_layer.autopay_emails import autopay_email_handlers
from portal_notifications.service_layer.payment_returns_emails import payment_returns_email_handlers
from portal_notifications.service_layer.request_emails import REQUEST_EMAIL_HANDLERS
from portal_shared.bus.consumer import Handler
from portal_shared.events.envelope import Envelope
from portal_shared.logging import get_logger

log = get_logger(__name__)

EMAILS_CONSUMER = "notifications.emails"


def email_handlers(*, mail_from: str = DEFAULT_MAIL_FROM, renderer: EmailRenderer | None = None) -> dict[str, Handler]:
    """The consumer's handler table, by event type. Its keys are also the queue's bindings."""
    handlers = {
        "branch_created": handle_branch_created,
        "invitation_created": handle_invitation_created,
        "password_reset_requested": handle_password_reset_requested,
        "password_changed": handle_password_changed,
        **BILLING_EMAIL_HANDLERS,
        **autopay_email_handlers(queue_email),
        **payment_returns_email_handlers(queue_email),
        **REQUEST_EMAIL_HANDLERS,
    }
    return {event_type: partial(handler, mail_from=mail_from, renderer=renderer)
            for event_type, handler in handlers.items()}


def handle_branch_created(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                          renderer: EmailRenderer | None = None) -> None:
    """Queue 'your customer portal is live' to the company's contact address, if it has one."""
    draft = portal_live_email(envelope.data)
    if draft is None:
        log.info("email_skipped_no_contact_address", event_id=envelope.id, event_type=envelope.type,
                 tenant_id=envelope.tenant_id, branch_id=envelope.branch_id)
        return
    queue_email(session, envelope, draft, mail_from=mail_from, renderer=renderer or default_renderer())


def handle_invitation_created(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                              renderer: EmailRenderer | None = None) -> None:
    """Queue the invitation as the staff user wrote it, from them (Reply-To) via our address."""
    queue_email(session, envelope, invitation_email(envelope.data), mail_from=mail_from,
                renderer=renderer or default_renderer())


def handle_password_reset_requested(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                                    renderer: EmailRenderer | None = None) -> None:
    """Queue 'Reset your password' with the single-use link."""
    draft = password_reset_email(envelope.data, requested_at=parse_time(envelope.occurred_at))
    queue_email(session, envelope, draft, mail_from=mail_from, renderer=renderer or default_renderer())


def handle_password_changed(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                            renderer: EmailRenderer | None = None) -> None:
    """Queue 'Your password was changed', so a customer learns of a change they did not make."""
    queue_email(session, envelope, password_changed_email(envelope.data), mail_from=mail_from,
                renderer=renderer or default_renderer())
