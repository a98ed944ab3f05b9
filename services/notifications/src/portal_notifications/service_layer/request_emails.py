"""Handlers of the `notifications.emails` consumer for requests' events: a new request and a customer's
comment emailed to the property's staff, a public reply from the back office emailed to the customer who
opened the request. The recipients come in the event (requests keeps the directory they are read from).

`email_handlers` (handlers.py) adds these with `**REQUEST_EMAIL_HANDLERS`. An event that tells two people
queues two emails, each keyed by an id derived from the event's id and the recipient's role, so a
redelivery queues neither twice (`uq_outbound_messages_event_template`).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

from portal_notifications.adapters.templates import EmailRenderer, default_renderer
from portal_notifications.domain.emails import EmailDraft
from portal_notifications.domain.request_emails import (
    request_commented_emails,
    request_created_emails,
    request_replied_email,
)
from portal_notifications.service_layer.outbound import DEFAULT_MAIL_FROM, queue_draft
from portal_shared.events.envelope import Envelope, load_event
from portal_shared.logging import get_logger

log = get_logger(__name__)

DRAFTS: dict[str, Callable[[dict], list[tuple[str, EmailDraft]]]] = {
    "request_created": request_created_emails,          # the account owner and the operations manager
    "request_commented": request_commented_emails,      # the account owner
    "request_replied": lambda data: [("customer", request_replied_email(data))],   # who opened the request
}


def queue_request_emails(session: Session, envelope: Envelope, *, mail_from: str = DEFAULT_MAIL_FROM,
                         renderer: EmailRenderer | None = None) -> None:
    """Queue the emails of one of requests' events, each to one recipient."""
    tenant_id, data = load_event(envelope, envelope.type)
    drafts = DRAFTS[envelope.type](data)
    if not drafts:
        log.info("email_skipped_no_recipient", event_id=envelope.id, event_type=envelope.type)
    for role, draft in drafts:
        queue_draft(session, draft, tenant_id=tenant_id, branch_id=envelope.branch_id,
                    event_id=str(uuid.uuid5(uuid.UUID(str(envelope.id)), role)), mail_from=mail_from,
                    renderer=renderer or default_renderer())


# The handlers, by event type, for `email_handlers` to wrap with the sender address and renderer.
REQUEST_EMAIL_HANDLERS = {event_type: queue_request_emails for event_type in DRAFTS}
