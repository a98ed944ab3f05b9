"""Which integration events the back office may receive by webhook: the allow-list, in one place.

The contract between producers (who decide what an event carries) and notifications (which
delivers the listed types to the endpoints a company registered). An event type not listed here
is never delivered, whatever an endpoint asks for. Each entry names the resource the event is
about (`resource` and the `data` field holding its id): deliveries to one endpoint are made in
the order the events occurred *per resource*, so two types about the same resource (a property's
upsert and its access list) share one `resource`.

Add a type when a feature's event is meant for the back office (`proposal_signed`,
`payment_succeeded`, `request_created`, ...): its data is then sent to the company's endpoints
as it is. An event that carries a secret (a working link, a token) must never be listed:
`SECRET_CARRYING_EVENT_TYPES` names those, and `webhook_event_types()` refuses any overlap.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WebhookEventType:
    resource: str        # what the event is about, e.g. "property"; the per-resource order key
    id_field: str        # the `data` field holding that resource's id
    description: str     # shown in the API reference and GET /integration/webhooks/event-types


WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "contact_upserted": WebhookEventType(
        "contact", "contact_id",
        "A contact was created or changed (name, email; `verified` turns true when they accept an invitation)."),
    "property_upserted": WebhookEventType(
        "property", "property_id", "A property was created or changed (name, address, staff)."),
    "property_access_changed": WebhookEventType(
        "property", "property_id", "The complete list of contacts who may see a property, with their roles."),
    "payment_succeeded": WebhookEventType(
        "invoice", "invoice_id",
        "A customer paid (part of) an invoice in the portal: amount (lowers the balance), card fee, processor "
        "reference."),
    "payment_returned": WebhookEventType(
        "invoice", "invoice_id",
        "A bank returned a portal ACH payment (return code R01, ...): the invoices' balances are open again."),
    "autopay_failed": WebhookEventType(
        "invoice", "invoice_id",
        "Autopay could not charge an invoice on its due date (declined, method gone or expired): the property's "
        "autopay is stopped and the customer emailed; the invoice stays due."),
    "proposal_signed": WebhookEventType(
        "proposal", "proposal_id",
        "A customer signed a proposal (version) in the portal: the optional services chosen, the new total, the "
        "sealed PDF's SHA-256."),
    "request_created": WebhookEventType(
        "request", "request_id", "A customer created a request in the portal (subject, description, priority, "
        "property, who opened it, how many attachments)."),
    "request_commented": WebhookEventType(
        "request", "request_id", "A customer commented on a request in the portal (text, author, attachments)."),
}

# Events whose data holds a secret (single-use links): never delivered outside the platform.
SECRET_CARRYING_EVENT_TYPES = frozenset({"invitation_created", "password_reset_requested"})


def webhook_event_types() -> tuple[str, ...]:
    """The deliverable types, sorted; refuses a list that names a secret-carrying event."""
    leaked = SECRET_CARRYING_EVENT_TYPES & WEBHOOK_EVENTS.keys()
    if leaked:
        raise RuntimeError(f"events carrying secrets must never be webhooks: {sorted(leaked)}")
    return tuple(sorted(WEBHOOK_EVENTS))


def resource_key(event_type: str, data: dict[str, Any]) -> str:
    """`<resource>:<id>`, the key deliveries of one endpoint are ordered by (e.g. `property:3f0c…`)."""
    kind = WEBHOOK_EVENTS[event_type]
    return f"{kind.resource}:{data.get(kind.id_field)}"
