"""Handlers of the `notifications.webhooks` consumer: an event in, one delivery row per subscribed endpoint.

Each runs inside the consumer's unit of work (with the inbox row), so the fan-out is durable
before the message is acked; sending happens later, in the webhook sender. Only the types of the
shared allow-list (`portal_shared.events.webhooks`) are bound, and only endpoints of the event's
own company that subscribed to its type get a row. The consumer also keeps `company_contacts`,
the read model the "endpoint disabled" email is addressed from (branch_created/branch_updated
carry the company's contact address).
"""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from portal_notifications.adapters.orm import CompanyContact, WebhookDelivery, WebhookEndpoint
from portal_notifications.domain.emails import parse_time
from portal_notifications.domain.webhooks import payload_of
from portal_shared.bus.consumer import Handler
from portal_shared.events.envelope import Envelope
from portal_shared.events.webhooks import SECRET_CARRYING_EVENT_TYPES, WEBHOOK_EVENTS, resource_key, webhook_event_types
from portal_shared.logging import get_logger

log = get_logger(__name__)

WEBHOOKS_CONSUMER = "notifications.webhooks"
MAX_CONTACT_EMAIL, MAX_COMPANY_NAME = 320, 200


def webhook_handlers() -> dict[str, Handler]:
    """The consumer's handler table, by event type; its keys are also the queue's bindings."""
    table: dict[str, Handler] = {event_type: fan_out for event_type in webhook_event_types()}
    table["branch_created"] = remember_company_contact
    table["branch_updated"] = remember_company_contact
    return table


def fan_out(session: Session, envelope: Envelope) -> int:
    """One pending delivery per endpoint of this company subscribed to this type. Returns how many."""
    if envelope.type in SECRET_CARRYING_EVENT_TYPES or envelope.type not in WEBHOOK_EVENTS:
        log.error("webhook_type_not_allowed", event_id=envelope.id, event_type=envelope.type)
        return 0
    if not envelope.tenant_id:
        log.warning("webhook_event_without_tenant", event_id=envelope.id, event_type=envelope.type)
        return 0
    endpoint_ids = list(session.scalars(
        sa.select(WebhookEndpoint.id)
        .where(WebhookEndpoint.tenant_id == envelope.tenant_id, WebhookEndpoint.event_types.any(envelope.type))
    ))
    if not endpoint_ids:
        return 0
    occurred_at = parse_time(envelope.occurred_at)
    payload = payload_of(envelope)
    key = resource_key(envelope.type, envelope.data)[:200]
    statement = (
        insert(WebhookDelivery)
        .values([{
            "id": str(uuid.uuid4()), "tenant_id": envelope.tenant_id, "endpoint_id": endpoint_id,
            "event_id": envelope.id, "event_type": envelope.type, "resource_key": key,
            "occurred_at": occurred_at, "payload": payload, "next_attempt_at": sa.func.now(),
        } for endpoint_id in endpoint_ids])
        # Past the inbox (e.g. a copy replayed from the DLQ) an event still fans out once per endpoint.
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"], index_where=sa.text("replay_of IS NULL"))
        .returning(WebhookDelivery.id)
    )
    created = len(session.execute(statement).all())
    log.info("webhook_fanned_out", event_id=envelope.id, event_type=envelope.type, deliveries=created)
    return created


def remember_company_contact(session: Session, envelope: Envelope) -> None:
    """Keep the company's name and contact address as of the newest branch event."""
    data = envelope.data
    tenant_id = envelope.tenant_id or data.get("company_id")
    if not tenant_id:
        return
    email = (data.get("company_contact_email") or "").strip() or None
    if email and len(email) > MAX_CONTACT_EMAIL:
        email = None
    as_of: datetime = parse_time(envelope.occurred_at)
    statement = insert(CompanyContact).values(
        tenant_id=tenant_id, company_name=(data.get("company_name") or "")[:MAX_COMPANY_NAME], contact_email=email,
        as_of=as_of)
    statement = statement.on_conflict_do_update(
        index_elements=["tenant_id"],
        set_={"company_name": statement.excluded.company_name, "contact_email": statement.excluded.contact_email,
              "as_of": statement.excluded.as_of},
        where=CompanyContact.as_of <= statement.excluded.as_of,
    )
    session.execute(statement)
