"""Request and response schemas of the outbound log and webhooks APIs (validated at the edge)."""
from marshmallow import Schema, fields, validate

from portal_notifications.domain.delivery import STATUSES
from portal_notifications.domain.webhooks import DELIVERY_STATUSES, ENDPOINT_STATUSES, MAX_URL_LENGTH
from portal_shared.events.webhooks import webhook_event_types


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


# -- webhooks (integration API) ----------------------------------------------------------------

class Problem(Schema):
    """An RFC 9457 problem (`application/problem+json`), as every error of this API is answered."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    code = fields.String(metadata={"description": "stable, machine-readable (e.g. `unsafe_url`, `missing_scope`)"})
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "per field: what is wrong with it"})
    request_id = fields.String()


WEBHOOK_TYPES = webhook_event_types()


def _event_type() -> fields.String:
    return fields.String(validate=validate.OneOf(WEBHOOK_TYPES), metadata={"enum": list(WEBHOOK_TYPES)})


class WebhookEndpointCreate(Schema):
    """A new endpoint: where to send, and which event types."""

    url = fields.String(required=True, validate=validate.Length(min=1, max=MAX_URL_LENGTH), metadata={
        "description": "Where to POST events. Outside development only `https://` to a public address.",
        "example": "https://erp.example.com/portal-webhooks"})
    event_types = fields.List(_event_type(), required=True, validate=validate.Length(min=1, max=len(WEBHOOK_TYPES)),
                              metadata={"description": "the event types to receive (see GET /event-types)"})
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class WebhookEndpointUpdate(Schema):
    """Any of: a new URL, new event types, a description, or `enabled` to turn it back on (or pause it)."""

    url = fields.String(validate=validate.Length(min=1, max=MAX_URL_LENGTH))
    event_types = fields.List(_event_type(), validate=validate.Length(min=1, max=len(WEBHOOK_TYPES)))
    description = fields.String(allow_none=True, validate=validate.Length(max=200))
    enabled = fields.Boolean(metadata={"description": "true: enable again (what waits is sent now); false: pause"})


class WebhookEndpointRead(Schema):
    id = fields.String()
    url = fields.String()
    description = fields.String(allow_none=True)
    event_types = fields.List(fields.String())
    enabled = fields.Boolean()
    status = fields.String(metadata={"enum": list(ENDPOINT_STATUSES)})
    disabled_reason = fields.String(allow_none=True,
                                    metadata={"description": "why it was disabled (e.g. failing for over 24 h)"})
    disabled_at = fields.DateTime(allow_none=True)
    last_success_at = fields.DateTime(allow_none=True, metadata={"description": "last 2xx answer"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class WebhookEndpointCreated(WebhookEndpointRead):
    secret = fields.String(metadata={
        "description": "The signing secret (`whsec_...`), shown this once: verify each delivery's "
                       "`webhook-signature` with it (Standard Webhooks)."})


class WebhookDeliveryQuery(Schema):
    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))


class WebhookDeliveryRead(Schema):
    """One event for one endpoint, and how its delivery went."""

    id = fields.String()
    endpoint_id = fields.String()
    event_id = fields.String(metadata={"description": "also the `webhook-id` header"})
    event_type = fields.String()
    occurred_at = fields.DateTime()
    status = fields.String(metadata={"enum": list(DELIVERY_STATUSES)})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(metadata={"description": "while pending: when the next try is due"})
    last_attempt_at = fields.DateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True, metadata={"description": "null: no HTTP answer"})
    last_latency_ms = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    replay_of = fields.String(allow_none=True, metadata={"description": "the delivery this one replays"})
    created_at = fields.DateTime()


class WebhookAttemptRead(Schema):
    attempted_at = fields.DateTime()
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Integer()
    error = fields.String(allow_none=True)
    response_excerpt = fields.String(allow_none=True, metadata={"description": "the first 500 bytes of the answer"})


class WebhookDeliveryDetail(WebhookDeliveryRead):
    payload = fields.String(metadata={"description": "the exact body sent (and signed)"})
    attempt_log = fields.List(fields.Nested(WebhookAttemptRead))


class WebhookReplaySince(Schema):
    since = fields.AwareDateTime(required=True, metadata={
        "description": "replay every event sent to this endpoint that occurred at or after this time"})


class WebhookReplayed(Schema):
    replayed = fields.Integer(metadata={"description": "how many deliveries were queued again"})


class WebhookEventTypeRead(Schema):
    type = fields.String()
    resource = fields.String(metadata={"description": "deliveries about one resource arrive in order"})
    description = fields.String()
