"""`GET /summary`, the same for every feature service: a signed-in customer's figures over the
properties they may see in this branch, narrowed by the Property Filter."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import fields

from portal_shared.access.guard import current_customer, require_customer
from portal_shared.access.query import visible_property_ids
from portal_shared.access.schemas import PropertyFilterQuery, requested_properties


def summary_blueprint(feature) -> Blueprint:
    schema = type(feature.summary.schema.__name__, (feature.summary.schema,), {
        "property_ids": fields.List(fields.String(), required=True, metadata={
            "description": "The properties counted: the customer's in this branch, within property_id when given."}),
    })
    blp = Blueprint("summary", feature.package, url_prefix="/", description="What a signed-in customer sees.")

    @blp.route("/summary", methods=["GET"])
    @require_customer
    @blp.arguments(PropertyFilterQuery, location="query", as_kwargs=True)
    @blp.response(200, schema)
    @blp.alt_response(401, description="Not a signed-in customer of this branch (problem+json, code unauthenticated).")
    def summary(property_id=None):
        customer = current_customer()
        with current_app.extensions["portal_db"].unit_of_work() as session:
            property_ids = visible_property_ids(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                                contact_id=customer.contact_id,
                                                requested=requested_properties(property_id))
            figures = feature.summary.figures(session, tenant_id=customer.tenant_id, property_ids=property_ids)
        return {**figures, "property_ids": property_ids}

    return blp
