"""billing's autopay and statements API for the signed-in customer: turn a property's autopay on, change its
method, turn it off (service_layer/autopay.py), and the property's account statement as a PDF for a date
range (service_layer/statements.py, adapters/statement_pdf.py)."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app, g
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from portal_billing.adapters.statement_pdf import statement_pdf
from portal_billing.service_layer import autopay as service
from portal_billing.service_layer.statements import account_statement
from portal_shared.access.guard import current_customer, require_customer

autopay = Blueprint("autopay", __name__, url_prefix="/", description="A signed-in customer's autopay and statements.")


class AutopayEnrol(Schema):
    payment_method_id = fields.UUID(required=True, metadata={
        "description": "One of the customer's saved payment methods (GET /payment-methods); not an expired card."})


class AutopayMethod(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, metadata={"description": "card or ach"})
    brand = fields.String(required=True)
    last_four = fields.String(required=True)
    expiry = fields.String(allow_none=True)


class AutopayRead(Schema):
    property_id = fields.UUID(required=True)
    enrolled = fields.Boolean(required=True, metadata={"description": "Autopay is on for this property."})
    enrolled_by_you = fields.Boolean(required=True)
    may_enrol = fields.Boolean(required=True, metadata={
        "description": "The customer may turn autopay on or off here (Primary or Billing contact)."})
    enrolled_on = fields.Date(allow_none=True, metadata={"description": "Invoices due from this day are charged."})
    payment_method = fields.Nested(AutopayMethod, allow_none=True, metadata={
        "description": "The method charged (only shown to the contact who enrolled)."})


class StatementQuery(Schema):
    property_id = fields.UUID(required=True)
    start = fields.Date(required=True, data_key="from", metadata={"description": "First day (YYYY-MM-DD)."})
    end = fields.Date(required=True, data_key="to", metadata={
        "description": "Last day (YYYY-MM-DD), on or after `from`, at most three years later."})


def _db():
    return current_app.extensions["portal_db"]


@autopay.route("/autopay/<uuid:property_id>", methods=["GET"])
@require_customer
@autopay.response(200, AutopayRead)
@autopay.alt_response(404, description="Not a property the customer sees.")
def get_autopay(property_id):
    """Whether autopay is on for the property, and (for the contact who enrolled) which method it charges."""
    with _db().unit_of_work() as session:
        return service.enrolment_view(session, customer=current_customer(), property_id=str(property_id))


@autopay.route("/autopay/<uuid:property_id>", methods=["PUT"])
@require_customer
@autopay.arguments(AutopayEnrol)
@autopay.response(200, AutopayRead)
@autopay.alt_response(403, description="The customer may not pay for this property (Primary or Billing only).")
@autopay.alt_response(404, description="Not a property the customer sees.")
@autopay.alt_response(422, description="Not one of the customer's methods, an expired card, or a type the branch "
                                       "does not take (naming `payment_method_id`).")
def put_autopay(body, property_id):
    """Turn autopay on with a saved method (or change the method): from today, the billing worker charges each of
    the property's invoices on its due date, emailing a notice three days before and a receipt after."""
    with _db().unit_of_work() as session:
        return service.enrol(session, customer=current_customer(), property_id=str(property_id),
                             payment_method_id=str(body["payment_method_id"]), today=datetime.now(UTC).date())


@autopay.route("/autopay/<uuid:property_id>", methods=["DELETE"])
@require_customer
@autopay.response(204)
@autopay.alt_response(403, description="The customer may not pay for this property.")
def delete_autopay(property_id):
    """Turn autopay off for the property (nothing happens when it is off)."""
    with _db().unit_of_work() as session:
        service.cancel(session, customer=current_customer(), property_id=str(property_id))


@autopay.route("/statements", methods=["GET"])
@require_customer
@autopay.arguments(StatementQuery, location="query")
@autopay.doc(responses={200: {"description": "The property's account statement as a PDF.",
                              "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
@autopay.alt_response(404, description="Not a property the customer sees.")
@autopay.alt_response(422, description="A missing or bad date, `to` before `from`, or more than three years "
                                       "(naming the field).")
def get_statement(query):
    """A property's account statement for a date range: opening balance, invoices, payments, credits, closing
    balance; branded with the company and branch of the gateway's signed token."""
    with _db().unit_of_work() as session:
        document = account_statement(session, customer=current_customer(), property_id=str(query["property_id"]),
                                     start=query["start"], end=query["end"])
    claims = g.get("identity") or {}
    pdf = statement_pdf(document, company=str(claims.get("company_name") or claims.get("branch_slug") or ""),
                        branch=str(claims.get("branch_name") or ""))
    name = f"statement-{query['start'].isoformat()}-{query['end'].isoformat()}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"',
                                                             "Cache-Control": "no-store"})
