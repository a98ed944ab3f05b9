"""HTTP API of visits: the signed-in customer's summary."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal_shared.access import current_customer, require_customer
from portal_visits.service_layer.summary import customer_summary

MAX_PROPERTIES = 200

customer = Blueprint("customer", __name__, url_prefix="/", description="What a signed-in customer sees.")


class SummaryQuery(Schema):
    property_id = fields.List(
        fields.UUID(), load_default=None, validate=validate.Length(max=MAX_PROPERTIES),
        metadata={"description": "Only these properties (repeat the argument for several). A property the "
                                 "customer may not see is left out. Default: every property they may see here."})


class VisitsSummary(Schema):
    upcoming_visits = fields.Integer(required=True, metadata={
        "description": "Visits with status Scheduled, scheduled for a time after now."})
    property_ids = fields.List(fields.String(), required=True, metadata={
        "description": "The properties counted: the customer's in this branch, within property_id when given."})


@customer.route("/summary", methods=["GET"])
@require_customer
@customer.arguments(SummaryQuery, location="query", as_kwargs=True)
@customer.response(200, VisitsSummary)
@customer.alt_response(401, description="Not a signed-in customer of this branch (problem+json, code unauthenticated).")
def summary(property_id=None):
    requested = [str(p) for p in property_id] if property_id is not None else None
    with current_app.extensions["portal_db"].unit_of_work() as session:
        return customer_summary(session, customer=current_customer(), requested=requested)
