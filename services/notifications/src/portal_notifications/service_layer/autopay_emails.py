"""Handlers of billing's autopay events for the `notifications.emails` consumer: each queues one email
(domain/autopay_emails.py drafts it). `handlers.email_handlers` takes them in with one line, passing its
`queue_email` (this module does not import handlers: no import cycle)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from portal_notifications.adapters.templates import default_renderer
from portal_notifications.domain.autopay_emails import (
    AUTOPAY_CHARGED, AUTOPAY_FAILED, AUTOPAY_UPCOMING, autopay_charged_email, autopay_failed_email,
    autopay_upcoming_email,
)
from portal_shared.events.envelope import Envelope, load_event

DRAFTS = {AUTOPAY_UPCOMING: autopay_upcoming_email, AUTOPAY_CHARGED: autopay_charged_email,
          AUTOPAY_FAILED: autopay_failed_email}


def autopay_email_handlers(queue_email: Callable[..., Any]) -> dict[str, Callable[..., None]]:
    """{event type: handler(session, envelope, *, mail_from, renderer)}, each read through its contract."""
    def handler_for(event_type: str):
        def handle(session: Session, envelope: Envelope, *, mail_from: str, renderer=None) -> None:
            _, data = load_event(envelope, event_type)
            queue_email(session, envelope, DRAFTS[event_type](data), mail_from=mail_from,
                        renderer=renderer or default_renderer())
        handle.__doc__ = f"Queue the {event_type.replace('_', ' ')} email."
        return handle
    return {event_type: handler_for(event_type) for event_type in DRAFTS}
