"""Use cases of the webhooks integration API: endpoints, their delivery log, replays.

Every function takes the calling company's `tenant_id` and filters by it: another company's
endpoint or delivery is simply not found. The caller's unit of work owns the session.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_notifications.adapters.orm import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal_notifications.adapters.webhook_http import Resolver, checked_addresses
from portal_notifications.adapters.webhook_secrets import SecretBox
from portal_notifications.domain.webhooks import (
    DISABLED,
    ENABLED,
    PENDING,
    UnsafeTarget,
    new_signing_secret,
    parse_target,
)
from portal_shared.errors import ApiError, Conflict, NotFound, ValidationFailed

MAX_ENDPOINTS_PER_COMPANY = 20


@dataclass(frozen=True)
class UrlPolicy:
    """Which endpoint URLs this deployment accepts (dev mode: http and local addresses too)."""

    dev_mode: bool
    resolve: Resolver

    def check(self, url: str) -> str:
        """The URL, once its shape and every address its host resolves to are acceptable; else 422."""
        try:
            target = parse_target(url, dev_mode=self.dev_mode)
            if not self.dev_mode:
                checked_addresses(target, dev_mode=False, resolve=self.resolve)
        except UnsafeTarget as exc:
            raise ValidationFailed(f"url {exc}.", code="unsafe_url", errors={"url": [str(exc)]}) from None
        return url


class EndpointDisabled(ApiError):
    status, code, title = 409, "endpoint_disabled", "Endpoint disabled"


def _now() -> datetime:
    return datetime.now(UTC)


# -- endpoints ---------------------------------------------------------------------------------

def create_endpoint(session: Session, *, tenant_id: str, url: str, event_types: list[str], policy: UrlPolicy,
                    box: SecretBox, description: str | None = None) -> dict[str, Any]:
    """Register an endpoint; the answer carries its signing secret, the only time it is shown."""
    count = session.scalar(sa.select(sa.func.count()).where(WebhookEndpoint.tenant_id == tenant_id))
    if count >= MAX_ENDPOINTS_PER_COMPANY:
        raise Conflict(f"A company may register at most {MAX_ENDPOINTS_PER_COMPANY} endpoints.",
                       code="too_many_endpoints")
    secret = new_signing_secret()
    endpoint = WebhookEndpoint(id=str(uuid.uuid4()), tenant_id=tenant_id, url=policy.check(url),
                               event_types=sorted(set(event_types)), description=description,
                               secret_encrypted=box.seal(secret), status=ENABLED)
    session.add(endpoint)
    session.flush()
    session.refresh(endpoint)
    return {**endpoint_view(endpoint), "secret": secret}


def endpoint_view(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id, "url": endpoint.url, "description": endpoint.description,
        "event_types": list(endpoint.event_types), "enabled": endpoint.status == ENABLED,
        "status": endpoint.status, "disabled_reason": endpoint.disabled_reason, "disabled_at": endpoint.disabled_at,
        "last_success_at": endpoint.last_success_at, "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def list_endpoints(*, tenant_id: str) -> sa.Select:
    return (sa.select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == tenant_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id))


def get_endpoint(session: Session, *, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = session.scalar(sa.select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.tenant_id == tenant_id))
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {endpoint_id}.")
    return endpoint


def update_endpoint(session: Session, *, tenant_id: str, endpoint_id: str, changes: dict[str, Any],
                    policy: UrlPolicy) -> WebhookEndpoint:
    """Change the URL, types or description; `enabled: true` turns a disabled endpoint back on and
    makes what waits for it due now, `enabled: false` pauses it (events keep being recorded)."""
    endpoint = get_endpoint(session, tenant_id=tenant_id, endpoint_id=endpoint_id)
    if "url" in changes:
        endpoint.url = policy.check(changes["url"])
    if "event_types" in changes:
        endpoint.event_types = sorted(set(changes["event_types"]))
    if "description" in changes:
        endpoint.description = changes["description"]
    if "enabled" in changes:
        if changes["enabled"] and endpoint.status == DISABLED:
            endpoint.status, endpoint.disabled_reason, endpoint.disabled_at = ENABLED, None, None
            session.execute(sa.update(WebhookDelivery)
                            .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == PENDING)
                            .values(next_attempt_at=sa.func.now()))
        elif not changes["enabled"] and endpoint.status == ENABLED:
            endpoint.status, endpoint.disabled_reason, endpoint.disabled_at = DISABLED, "disabled through the API", _now()
    endpoint.updated_at = _now()
    session.flush()
    return endpoint


def delete_endpoint(session: Session, *, tenant_id: str, endpoint_id: str) -> None:
    """Remove the endpoint with its deliveries and their log."""
    session.delete(get_endpoint(session, tenant_id=tenant_id, endpoint_id=endpoint_id))
    session.flush()


# -- the delivery log --------------------------------------------------------------------------

def list_deliveries(session: Session, *, tenant_id: str, endpoint_id: str, status: str | None = None) -> sa.Select:
    """Newest first; the id breaks ties so pages never overlap."""
    get_endpoint(session, tenant_id=tenant_id, endpoint_id=endpoint_id)
    query = (sa.select(WebhookDelivery)
             .where(WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.endpoint_id == endpoint_id)
             .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()))
    if status:
        query = query.where(WebhookDelivery.status == status)
    return query


def get_delivery(session: Session, *, tenant_id: str, delivery_id: str) -> WebhookDelivery:
    delivery = session.scalar(sa.select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.tenant_id == tenant_id))
    if delivery is None:
        raise NotFound(f"No webhook delivery {delivery_id}.")
    return delivery


def delivery_detail(session: Session, *, tenant_id: str, delivery_id: str) -> dict[str, Any]:
    """One delivery with its body and every try (oldest first)."""
    delivery = get_delivery(session, tenant_id=tenant_id, delivery_id=delivery_id)
    attempts = session.scalars(sa.select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)
                               .order_by(WebhookAttempt.attempted_at, WebhookAttempt.id))
    return {**{c.key: getattr(delivery, c.key) for c in WebhookDelivery.__table__.columns},
            "attempt_log": list(attempts)}


# -- replays -----------------------------------------------------------------------------------

def _replay_row(original: WebhookDelivery) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "tenant_id": original.tenant_id, "endpoint_id": original.endpoint_id,
            "event_id": original.event_id, "event_type": original.event_type,
            "resource_key": original.resource_key, "occurred_at": original.occurred_at,
            "payload": original.payload, "replay_of": original.replay_of or original.id, "status": PENDING}


def _enabled(session: Session, *, tenant_id: str, endpoint_id: str) -> WebhookEndpoint:
    endpoint = get_endpoint(session, tenant_id=tenant_id, endpoint_id=endpoint_id)
    if endpoint.status != ENABLED:
        raise EndpointDisabled("The endpoint is disabled; enable it first (PATCH with {\"enabled\": true}).")
    return endpoint


def replay_delivery(session: Session, *, tenant_id: str, delivery_id: str) -> WebhookDelivery:
    """Send one delivery's event again: a new delivery with the same body and `webhook-id`."""
    original = get_delivery(session, tenant_id=tenant_id, delivery_id=delivery_id)
    _enabled(session, tenant_id=tenant_id, endpoint_id=original.endpoint_id)
    replay = WebhookDelivery(**_replay_row(original))
    session.add(replay)
    session.flush()
    session.refresh(replay)
    return replay


def replay_since(session: Session, *, tenant_id: str, endpoint_id: str, since: datetime) -> int:
    """Send again every event this endpoint was sent that occurred at or after `since`, in order."""
    endpoint = _enabled(session, tenant_id=tenant_id, endpoint_id=endpoint_id)
    originals = session.scalars(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.tenant_id == tenant_id,
               WebhookDelivery.replay_of.is_(None), WebhookDelivery.occurred_at >= since)
        .order_by(WebhookDelivery.occurred_at, WebhookDelivery.created_at)
    ).all()
    if originals:
        session.execute(sa.insert(WebhookDelivery), [_replay_row(o) for o in originals])
    return len(originals)
