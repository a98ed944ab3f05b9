"""Request and response schemas of the outbound log API (validated at the edge)."""
from marshmallow import Schema, fields, validate

from portal_notifications.domain.delivery import STATUSES


class OutboundMessageQuery(Schema):
    tenant_id = fields.UUID(metadata={"description": "only this tenant's messages"})
    status = fields.String(validate=validate.OneOf(STATUSES))


class OutboundMessageRead(Schema):
    """A message as the log lists it: who, what, and how delivery is going; no bodies."""

    id = fields.String()
    tenant_id = fields.String()
    branch_id = fields.String(allow_none=True)
    event_id = fields.String()
    template = fields.String()
    to_address = fields.String()
    from_address = fields.String()
    reply_to = fields.String(allow_none=True)
    subject = fields.String()
    status = fields.String(metadata={"enum": list(STATUSES)})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class OutboundMessageDetail(OutboundMessageRead):
    """One message with the bodies exactly as they were sent."""

    text_body = fields.String()
    html_body = fields.String()
