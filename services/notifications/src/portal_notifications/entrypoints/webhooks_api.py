"""The back office's webhooks API (`/integration/webhooks/...`, API key with `webhooks:manage`).

Register endpoints (the signing secret is shown once), read each endpoint's delivery log, and
replay one delivery or everything since a time. Every call is scoped to the key's company: an
id of another company's endpoint or delivery answers 404. Errors are problem+json.
"""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from portal_notifications.entrypoints import schemas as s
from portal_notifications.service_layer import webhook_endpoints as uc
from portal_shared.errors import PROBLEM_JSON
from portal_shared.events.webhooks import WEBHOOK_EVENTS, webhook_event_types
from portal_shared.web.auth import current_integration, require_integration
from portal_shared.web.pagination import page_of

SCOPE = "webhooks:manage"

webhooks_blp = Blueprint(
    "webhooks", __name__, url_prefix="/integration/webhooks",
    description="Webhooks to the back office: endpoints that receive the company's events, signed as the "
                "Standard Webhooks specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`), "
                "their delivery log, and replays. API key with the `webhooks:manage` scope.")


def _wiring():
    return current_app.extensions["portal_webhooks"]


def _tenant() -> str:
    return current_integration().tenant_id


def _problems(*statuses: int):
    """Document the problem+json answers an operation may give."""
    descriptions = {401: "no valid API key", 403: "the key lacks the webhooks:manage scope",
                    404: "no such endpoint or delivery for this company",
                    409: "refused in the current state (see `code`)", 422: "invalid input; `errors` names the fields"}

    def decorate(view):
        for status in statuses:
            view = webhooks_blp.alt_response(status, description=descriptions[status], schema=s.Problem,
                                             content_type=PROBLEM_JSON, success=False)(view)
        return view
    return decorate


@webhooks_blp.route("/event-types", methods=["GET"])
@require_integration(SCOPE)
@webhooks_blp.response(200, s.WebhookEventTypeRead(many=True))
@_problems(401, 403)
def list_event_types():
    """The event types an endpoint may subscribe to."""
    return [{"type": t, "resource": WEBHOOK_EVENTS[t].resource, "description": WEBHOOK_EVENTS[t].description}
            for t in webhook_event_types()]


@webhooks_blp.route("/endpoints", methods=["POST"])
@require_integration(SCOPE)
@webhooks_blp.arguments(s.WebhookEndpointCreate)
@webhooks_blp.response(201, s.WebhookEndpointCreated)
@_problems(401, 403, 409, 422)
def create_endpoint(body):
    """Register an endpoint. The answer holds its signing secret: the only time it is shown."""
    wiring = _wiring()
    with wiring.db.unit_of_work() as session:
        return uc.create_endpoint(session, tenant_id=_tenant(), policy=wiring.url_policy, box=wiring.secret_box,
                                  **body)


@webhooks_blp.route("/endpoints", methods=["GET"])
@require_integration(SCOPE)
@webhooks_blp.response(200, s.WebhookEndpointRead(many=True))
@webhooks_blp.paginate()
@_problems(401, 403)
def list_endpoints(pagination_parameters):
    """The company's endpoints, oldest first (no secrets)."""
    with _wiring().db.unit_of_work() as session:
        return [uc.endpoint_view(e) for e in page_of(session, uc.list_endpoints(tenant_id=_tenant()),
                                                      pagination_parameters)]


@webhooks_blp.route("/endpoints/<uuid:endpoint_id>", methods=["GET"])
@require_integration(SCOPE)
@webhooks_blp.response(200, s.WebhookEndpointRead)
@_problems(401, 403, 404)
def get_endpoint(endpoint_id):
    with _wiring().db.unit_of_work() as session:
        return uc.endpoint_view(uc.get_endpoint(session, tenant_id=_tenant(), endpoint_id=str(endpoint_id)))


@webhooks_blp.route("/endpoints/<uuid:endpoint_id>", methods=["PATCH"])
@require_integration(SCOPE)
@webhooks_blp.arguments(s.WebhookEndpointUpdate)
@webhooks_blp.response(200, s.WebhookEndpointRead)
@_problems(401, 403, 404, 422)
def update_endpoint(changes, endpoint_id):
    """Change the URL, event types or description, or enable (disable) the endpoint."""
    wiring = _wiring()
    with wiring.db.unit_of_work() as session:
        endpoint = uc.update_endpoint(session, tenant_id=_tenant(), endpoint_id=str(endpoint_id), changes=changes,
                                      policy=wiring.url_policy)
        return uc.endpoint_view(endpoint)


@webhooks_blp.route("/endpoints/<uuid:endpoint_id>", methods=["DELETE"])
@require_integration(SCOPE)
@webhooks_blp.response(204)
@_problems(401, 403, 404)
def delete_endpoint(endpoint_id):
    """Remove the endpoint, its deliveries and their log."""
    with _wiring().db.unit_of_work() as session:
        uc.delete_endpoint(session, tenant_id=_tenant(), endpoint_id=str(endpoint_id))


@webhooks_blp.route("/endpoints/<uuid:endpoint_id>/deliveries", methods=["GET"])
@require_integration(SCOPE)
@webhooks_blp.arguments(s.WebhookDeliveryQuery, location="query")
@webhooks_blp.response(200, s.WebhookDeliveryRead(many=True))
@webhooks_blp.paginate()
@_problems(401, 403, 404, 422)
def list_deliveries(filters, endpoint_id, pagination_parameters):
    """The endpoint's delivery log, newest first: status, attempts, last response code and latency."""
    with _wiring().db.unit_of_work() as session:
        query = uc.list_deliveries(session, tenant_id=_tenant(), endpoint_id=str(endpoint_id),
                                   status=filters.get("status"))
        return page_of(session, query, pagination_parameters)


@webhooks_blp.route("/deliveries/<uuid:delivery_id>", methods=["GET"])
@require_integration(SCOPE)
@webhooks_blp.response(200, s.WebhookDeliveryDetail)
@_problems(401, 403, 404)
def get_delivery(delivery_id):
    """One delivery with the exact body sent and every try."""
    with _wiring().db.unit_of_work() as session:
        return uc.delivery_detail(session, tenant_id=_tenant(), delivery_id=str(delivery_id))


@webhooks_blp.route("/deliveries/<uuid:delivery_id>/replay", methods=["POST"])
@require_integration(SCOPE)
@webhooks_blp.response(202, s.WebhookDeliveryRead)
@_problems(401, 403, 404, 409)
def replay_delivery(delivery_id):
    """Send this delivery's event again (same body and `webhook-id`), as a new delivery."""
    with _wiring().db.unit_of_work() as session:
        return uc.replay_delivery(session, tenant_id=_tenant(), delivery_id=str(delivery_id))


@webhooks_blp.route("/endpoints/<uuid:endpoint_id>/replay", methods=["POST"])
@require_integration(SCOPE)
@webhooks_blp.arguments(s.WebhookReplaySince)
@webhooks_blp.response(202, s.WebhookReplayed)
@_problems(401, 403, 404, 409, 422)
def replay_since(body, endpoint_id):
    """Send again every event this endpoint was sent that occurred at or after `since`."""
    with _wiring().db.unit_of_work() as session:
        return {"replayed": uc.replay_since(session, tenant_id=_tenant(), endpoint_id=str(endpoint_id),
                                            since=body["since"])}
