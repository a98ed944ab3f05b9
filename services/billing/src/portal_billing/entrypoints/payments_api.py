"""billing's payments API for the signed-in customer: pay an invoice by card with an IETF
`Idempotency-Key` (service_layer/payments.py holds the rules)."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from portal_billing.adapters.orm import IDEMPOTENCY_KEY_LENGTH
from portal_billing.entrypoints.schemas import Money
from portal_billing.service_layer import payments as service
from portal_shared.access.guard import current_customer, require_customer
from portal_shared.errors import PROBLEM_JSON, ValidationFailed

payments = Blueprint("payments", __name__, url_prefix="/", description="A signed-in customer pays invoices.")

PROCESSOR = "billing_processor"     # app.extensions: the AbstractProcessor bootstrap wires (tests inject theirs)
TOKEN_LENGTH = 64
EXPIRY = r"^(0[1-9]|1[0-2])[0-9]{2}$"


class PaymentCreate(Schema):
    amount = Money(load_default=None, allow_none=True, metadata={
        "description": "Dollars as a string; absent or null pays the full balance. Another amount only where "
                       "the branch allows partial payments: at least 1.00, at most the balance."})
    token = fields.String(required=True, validate=validate.Length(min=1, max=TOKEN_LENGTH),
                          metadata={"description": "The card's token from the processor's hosted tokenizer."})
    expiry = fields.String(required=True, validate=validate.Regexp(EXPIRY, error="Must be MMYY."),
                           metadata={"description": "The card's expiry, MMYY."})


class PaymentRead(Schema):
    id = fields.UUID(required=True)
    invoice_id = fields.UUID(required=True)
    method = fields.String(required=True, metadata={"description": "card"})
    amount_cents = fields.Integer(required=True, metadata={"description": "Lowers the invoice's balance."})
    fee_cents = fields.Integer(required=True, metadata={"description": "The card convenience fee, on top."})
    charged_cents = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "succeeded, or unknown (202: being checked)."})
    message = fields.String(allow_none=True)
    created_at = fields.String(required=True)


def _idempotency_key() -> str:
    """The IETF Idempotency-Key header (an sf-string, quoted; a bare token is accepted too)."""
    raw = (request.headers.get("Idempotency-Key") or "").strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    if not raw or len(raw) > IDEMPOTENCY_KEY_LENGTH or not raw.isprintable():
        raise ValidationFailed("Send an Idempotency-Key header (a new random value per payment, the same on a retry).",
                               code="idempotency_key_missing",
                               errors={"Idempotency-Key": [f"Required, 1 to {IDEMPOTENCY_KEY_LENGTH} characters."]})
    return raw


@payments.route("/invoices/<uuid:invoice_id>/payments", methods=["POST"])
@require_customer
@payments.arguments(PaymentCreate)
@payments.response(201, PaymentRead)
@payments.alt_response(202, schema=PaymentRead, description="The processor's answer was lost; the payment is "
                                                           "`unknown` and its amount held until it is resolved.")
@payments.alt_response(402, description="The card was declined (problem+json, `detail` in plain words); nothing changed.")
@payments.alt_response(403, description="Neither the invoice's billing contact nor allowed to pay for its property.")
@payments.alt_response(404, description="Not one of the customer's invoices.")
@payments.alt_response(409, description="A request with this Idempotency-Key is still in flight.")
@payments.alt_response(422, description="An invalid amount (naming `amount`), a missing key, or the key reused "
                                        "with other parameters (`idempotency_key_reused`).")
def pay_invoice(body, invoice_id):
    """Pay an invoice (the full balance, or part where the branch allows) by card, once per Idempotency-Key:
    a retry with the same key and parameters gets the first answer again."""
    answer = service.pay_invoice(
        current_app.extensions["portal_db"], current_app.extensions[PROCESSOR], customer=current_customer(),
        invoice_id=str(invoice_id), key=_idempotency_key(), amount=body["amount"],
        source=service.CardSource(token=body["token"], expiry=body["expiry"]))
    response = jsonify(answer.body)
    response.status_code = answer.status
    if answer.status >= 400:
        response.mimetype = PROBLEM_JSON
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
