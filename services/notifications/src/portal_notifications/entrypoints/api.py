"""HTTP API of notifications: the outbound log, for operators (token required)."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from portal_notifications.entrypoints.schemas import OutboundMessageDetail, OutboundMessageQuery, OutboundMessageRead
from portal_notifications.service_layer import messages as uc
from portal_shared.db import Database
from portal_shared.web.auth import require_operator
from portal_shared.web.pagination import page_of

blp = Blueprint("messages", __name__, url_prefix="/",
                description="The outbound log: every email the portal queued, and how its delivery went.")


def _db() -> Database:
    return current_app.extensions["portal_db"]


@blp.route("/messages", methods=["GET"])
@require_operator
@blp.arguments(OutboundMessageQuery, location="query")
@blp.response(200, OutboundMessageRead(many=True))
@blp.paginate()
def list_messages(filters, pagination_parameters):
    with _db().unit_of_work() as session:
        tenant_id = str(filters["tenant_id"]) if filters.get("tenant_id") else None
        query = uc.list_messages(tenant_id=tenant_id, status=filters.get("status"))
        return page_of(session, query, pagination_parameters)


@blp.route("/messages/<uuid:message_id>", methods=["GET"])
@require_operator
@blp.response(200, OutboundMessageDetail)
def get_message(message_id):
    with _db().unit_of_work() as session:
        return uc.get_message(session, message_id=str(message_id))
