"""HTTP API of notifications: the outbound log, for operators (token required)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_smorest import Blueprint
from flask_smorest.pagination import PaginationParameters

from portal_notifications.entrypoints.auth import require_operator
from portal_notifications.entrypoints.schemas import OutboundMessageDetail, OutboundMessageQuery, OutboundMessageRead
from portal_notifications.service_layer import messages as uc
from portal_shared.db import Database

blp = Blueprint("messages", __name__, url_prefix="/",
                description="The outbound log: every email the portal queued, and how its delivery went.")


def _db() -> Database:
    return current_app.extensions["portal_db"]


def _page(session, query: sa.Select, pagination: PaginationParameters):
    pagination.item_count = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    return session.scalars(query.offset(pagination.first_item).limit(pagination.page_size)).all()


@blp.route("/messages", methods=["GET"])
@blp.arguments(OutboundMessageQuery, location="query")
@blp.response(200, OutboundMessageRead(many=True))
@blp.paginate()
@require_operator
def list_messages(filters, pagination_parameters):
    with _db().unit_of_work() as session:
        tenant_id = str(filters["tenant_id"]) if filters.get("tenant_id") else None
        query = uc.list_messages(tenant_id=tenant_id, status=filters.get("status"))
        return _page(session, query, pagination_parameters)


@blp.route("/messages/<uuid:message_id>", methods=["GET"])
@blp.response(200, OutboundMessageDetail)
@require_operator
def get_message(message_id):
    with _db().unit_of_work() as session:
        return uc.get_message(session, message_id=str(message_id))
