"""HTTP API of proposals: the signed-in customer's summary."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from portal_proposals.service_layer.summary import customer_summary
from portal_shared.access import PropertyFilterQuery, current_customer, require_customer, requested_properties

customer = Blueprint("customer", __name__, url_prefix="/", description="What a signed-in customer sees.")


class ProposalsSummary(Schema):
    pending_proposals = fields.Integer(required=True, metadata={
        "description": "Proposals with status Delivered or Sent: awaiting the customer's signature."})
    property_ids = fields.List(fields.String(), required=True, metadata={
        "description": "The properties counted: the customer's in this branch, within property_id when given."})


@customer.route("/summary", methods=["GET"])
@require_customer
@customer.arguments(PropertyFilterQuery, location="query", as_kwargs=True)
@customer.response(200, ProposalsSummary)
@customer.alt_response(401, description="Not a signed-in customer of this branch (problem+json, code unauthenticated).")
def summary(property_id=None):
    requested = requested_properties(property_id)
    with current_app.extensions["portal_db"].unit_of_work() as session:
        return customer_summary(session, customer=current_customer(), requested=requested)
