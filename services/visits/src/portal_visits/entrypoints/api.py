"""visits's HTTP API beside the kit's /summary: the back office's visits (API key, scope `visits:write`),
the signed-in customer's visits (the list, one in detail, one as an `.ics` file), their calendar feed's
URL (see, make anew, turn off), and the feed itself, which calendar apps fetch with no session: the
secret in its path is the only key, so a wrong or revoked one is a 404 like any missing page, and
such misses are rate-limited per client address.

Times are shown in the branch's time zone, which the gateway names in its signed token (`time_zone`).
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

from flask import Response, current_app, g
from flask_limiter import Limiter
from flask_smorest import Blueprint

from portal_shared.access.guard import current_customer, require_customer
from portal_shared.access.query import visible_property_ids
from portal_shared.access.schemas import requested_properties
from portal_shared.errors import NotFound
from portal_shared.web.auth import current_integration, require_integration
from portal_shared.web.pagination import page_rows_of
from portal_visits.adapters.ics import visits_calendar
from portal_visits.adapters.orm import EXTERNAL_ID_LENGTH
from portal_visits.domain.visits import branch_zone
from portal_visits.entrypoints import schemas as s
from portal_visits.service_layer import calendar_feeds as feeds
from portal_visits.service_layer import visits as service

integration = Blueprint("visits_integration", __name__, url_prefix="/integration",
                        description="For the back office: visits, their services and notes (API key).")
customer = Blueprint("visits", __name__, url_prefix="/", description="A signed-in customer's visits.")
calendar = Blueprint("calendar", __name__, url_prefix="/",
                     description="A customer's private calendar feed (no session: the secret is in the URL).")

EXTERNAL_ID = f"string(maxlength={EXTERNAL_ID_LENGTH})"
FEED_MISSES_PER_ADDRESS = "20 per 10 minutes"
ICS = "text/calendar; charset=utf-8"


def _client_address() -> str:
    return (g.get("identity") or {}).get("client_ip") or "unknown"


# Redis down: the feed still answers (unlimited) rather than fail every subscribed calendar.
limiter = Limiter(key_func=_client_address, headers_enabled=True, strategy="moving-window",
                  key_prefix="visits-calendar-feed", swallow_errors=True)


def _wire_limiter(state) -> None:
    state.app.config.setdefault("RATELIMIT_STORAGE_URI", os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
    limiter.init_app(state.app)


calendar.record_once(_wire_limiter)


def _db():
    return current_app.extensions["portal_db"]


def _claims() -> dict:
    return g.get("identity") or {}


def _zone():
    return branch_zone(_claims().get("time_zone"))


def _calendar_response(body: bytes, filename: str) -> Response:
    return Response(body, mimetype="text/calendar", content_type=ICS, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


# -- the back office ----------------------------------------------------------------------------------

@integration.route(f"/visits/<{EXTERNAL_ID}:external_id>", methods=["PUT"])
@require_integration("visits:write")
@integration.arguments(s.VisitUpsert)
@integration.response(200, s.VisitStored)
@integration.alt_response(422, description="A field is invalid or the property unknown (problem+json naming it).")
def put_visit(body, external_id):
    """Create or replace a visit by the back office's id (idempotent), with its services and notes."""
    with _db().unit_of_work() as session:
        return service.upsert_visit(session, tenant_id=current_integration().tenant_id, external_id=external_id,
                                    doc=body)


# -- the signed-in customer --------------------------------------------------------------------------

@customer.route("/visits", methods=["GET"])
@require_customer
@customer.arguments(s.VisitQuery, location="query")
@customer.response(200, s.VisitRow(many=True))
@customer.paginate()
def list_visits(query, pagination_parameters):
    """The customer's visits on the properties they may see (the Property Filter narrows them): Next 30 Days
    (soonest first) or Completed (latest first); X-Pagination's `total` is the "M" of "N of M"."""
    who, zone = current_customer(), _zone()
    with _db().unit_of_work() as session:
        visible = service.customer_property_ids(session, who, requested_properties(query.get("property_id")))
        # None visible: an empty IN, so the page is empty and X-Pagination's total 0.
        rows = page_rows_of(session, service.customer_visit_list(
            tenant_id=who.tenant_id, property_ids=visible, show=query["show"]), pagination_parameters)
    return [service.row(r, zone) for r in rows]


@customer.route("/visits/<uuid:visit_id>", methods=["GET"])
@require_customer
@customer.response(200, s.VisitDetail)
@customer.alt_response(404, description="Not one of the customer's visits (problem+json).")
def get_visit(visit_id):
    """One visit: property, date and time, status, services, the notes shown in portal, the service contact."""
    with _db().unit_of_work() as session:
        return service.customer_visit(session, customer=current_customer(), visit_id=str(visit_id), zone=_zone())


@customer.route("/visits/<uuid:visit_id>/calendar.ics", methods=["GET"])
@require_customer
@customer.doc(responses={200: {"description": "The visit as an iCalendar file (Add to calendar).",
                               "content": {"text/calendar": {"schema": {"type": "string"}}}}})
@customer.alt_response(404, description="Not one of the customer's visits (problem+json).")
def get_visit_ics(visit_id):
    """One visit as an `.ics` file (RFC 5545) in the branch's time zone: the same access rule as its detail."""
    zone = _zone()
    with _db().unit_of_work() as session:
        visit = service.customer_visit(session, customer=current_customer(), visit_id=str(visit_id), zone=zone)
    body = visits_calendar([visit], zone_name=zone.key, name=str(_claims().get("company_name") or "Visits"))
    return _calendar_response(body, f"visit-{visit['local_time']:%Y-%m-%d}.ics")


@customer.route("/calendar-feed", methods=["GET"])
@require_customer
@customer.response(200, s.CalendarFeed)
def get_calendar_feed():
    """Whether the customer has a calendar feed URL here, and since when (its secret is never shown again)."""
    with _db().unit_of_work() as session:
        return feeds.feed_status(session, current_customer())


@customer.route("/calendar-feed", methods=["POST"])
@require_customer
@customer.response(201, s.CalendarFeed)
def post_calendar_feed():
    """Make the customer's calendar feed URL, replacing (and so stopping) any earlier one; its `path` is
    shown this once."""
    with _db().unit_of_work() as session:
        return feeds.new_feed(session, current_customer())


@customer.route("/calendar-feed", methods=["DELETE"])
@require_customer
@customer.response(204)
def delete_calendar_feed():
    """Turn the customer's calendar feed off: its URL answers 404 from now on."""
    with _db().unit_of_work() as session:
        feeds.revoke_feed(session, current_customer())


# -- the feed, for calendar apps ---------------------------------------------------------------------

@calendar.route("/calendar/<string(maxlength=64):secret>.ics", methods=["GET"])
@limiter.limit(FEED_MISSES_PER_ADDRESS, deduct_when=lambda response: response.status_code == 404)
@calendar.doc(responses={200: {"description": "The customer's visits as an iCalendar feed.",
                               "content": {"text/calendar": {"schema": {"type": "string"}}}}})
@calendar.alt_response(404, description="No feed has this secret here (wrong, replaced or turned off).")
@calendar.alt_response(429, description="Too many misses from this address (problem+json).")
def get_feed(secret):
    """The visits of the properties the feed's customer may see now (90 days back, a year ahead)."""
    claims, zone = _claims(), _zone()
    with _db().unit_of_work() as session:
        owner = feeds.feed_owner(session, secret=secret, tenant_id=claims.get("tenant_id"),
                                 branch_id=claims.get("branch_id"))
        if owner is None:
            raise NotFound("There is nothing at this address.")
        property_ids = visible_property_ids(session, tenant_id=owner.tenant_id, branch_id=owner.branch_id,
                                            contact_id=owner.contact_id)
        visits = service.calendar_visits(session, tenant_id=owner.tenant_id, property_ids=property_ids,
                                         now=datetime.now(timezone.utc), zone=zone)
    name = " – ".join(p for p in (str(claims.get("company_name") or ""), "Visits") if p)
    return _calendar_response(visits_calendar(visits, zone_name=zone.key, name=name), "visits.ics")
