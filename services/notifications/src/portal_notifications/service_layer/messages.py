"""Reading the outbound log. Queries only; the caller's unit of work owns the session."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_notifications.adapters.orm import OutboundMessage
from portal_shared.errors import NotFound


def list_messages(*, tenant_id: str | None = None, status: str | None = None) -> sa.Select:
    """Newest first; the id breaks ties so pages never overlap."""
    query = sa.select(OutboundMessage).order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
    if tenant_id:
        query = query.where(OutboundMessage.tenant_id == tenant_id)
    if status:
        query = query.where(OutboundMessage.status == status)
    return query


def get_message(session: Session, *, message_id: str) -> OutboundMessage:
    message = session.get(OutboundMessage, message_id)
    if message is None:
        raise NotFound(f"No outbound message {message_id}.")
    return message
