"""billing's payments API for the signed-in customer: pay an invoice by card with an IETF
`Idempotency-Key` (service_layer/payments.py holds the rules), and the saved payment methods and
email-receipts preference (service_layer/payment_methods.py)."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from portal_billing.adapters.orm import IDEMPOTENCY_KEY_LENGTH, PAYMENT_TOKEN_LENGTH
from portal_billing.entrypoints.schemas import Money
from portal_billing.service_layer import payment_methods as methods
from portal_billing.service_layer import payments as service
from portal_shared.access.guard import current_customer, require_customer
from portal_shared.errors import PROBLEM_JSON, ValidationFailed

payments = Blueprint("payments", __name__, url_prefix="/", description="A signed-in customer pays invoices.")

PROCESSOR = "billing_processor"     # app.extensions: the AbstractProcessor bootstrap wires (tests inject theirs)
EXPIRY = r"^(0[1-9]|1[0-2])[0-9]{2}\Z"


def Token(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=PAYMENT_TOKEN_LENGTH), metadata={
        "description": "The card's token from the processor's hosted tokenizer (never the card number)."}, **kwargs)


def Expiry(**kwargs) -> fields.String:
    return fields.String(validate=[validate.Length(max=4), validate.Regexp(EXPIRY, error="Must be MMYY.")],
                         metadata={"description": "The card's expiry, MMYY."}, **kwargs)


class PaymentSource(Schema):
    """What pays: a saved method, or a card's token and expiry from the hosted tokenizer."""
    payment_method_id = fields.UUID(load_default=None, metadata={
        "description": "A saved card or bank account; or token + expiry."})
    token = Token(load_default=None)
    expiry = Expiry(load_default=None)

    @validates_schema
    def one_source(self, data, **_):
        if data.get("payment_method_id") is None and not (data.get("token") and data.get("expiry")):
            raise ValidationError("Choose a saved payment method, or send a card's token and expiry.",
                                  "payment_method_id")
        if data.get("payment_method_id") is not None and data.get("token"):
            raise ValidationError("Either a saved payment method or a card token, not both.", "token")


class PaymentCreate(PaymentSource):
    amount = Money(load_default=None, allow_none=True, metadata={
        "description": "Dollars as a string; absent or null pays the full balance. Another amount only where "
                       "the branch allows partial payments: at least 1.00, at most the balance."})


MAX_INVOICES_PER_PAYMENT = 100


class InvoiceShare(Schema):
    invoice_id = fields.UUID(required=True)
    amount = Money(load_default=None, allow_none=True, metadata={
        "description": "This invoice's part; absent or null pays its full balance. Another amount only where the "
                       "branch allows partial payments: at least 1.00, at most its balance."})


class InvoicesPaymentCreate(PaymentSource):
    invoices = fields.List(fields.Nested(InvoiceShare), load_default=None,
                           validate=validate.Length(min=1, max=MAX_INVOICES_PER_PAYMENT), metadata={
                               "description": "The invoices to pay, each once; or `all_due`."})
    all_due = fields.Boolean(load_default=False, metadata={
        "description": "Pay every due invoice the customer may pay (Pay all due), instead of `invoices`."})
    amount = Money(load_default=None, allow_none=True, metadata={
        "description": "A total to spread over the invoices oldest first (invoice date, then due date, then "
                       "number); absent pays every balance in full. Not with per-invoice amounts."})

    @validates_schema
    def what_to_pay(self, data, **_):
        chosen = data.get("invoices")
        if bool(chosen) == bool(data.get("all_due")):
            raise ValidationError("Choose the invoices to pay, or all_due: true (not both).", "invoices")
        ids = [str(share["invoice_id"]) for share in chosen or []]
        if len(set(ids)) != len(ids):
            raise ValidationError("Each invoice once.", "invoices")
        if data.get("amount") is not None and any(share.get("amount") is not None for share in chosen or []):
            raise ValidationError("Either one total or an amount per invoice, not both.", "amount")


class AllocationRead(Schema):
    invoice_id = fields.UUID(required=True)
    invoice_number = fields.String(required=True)
    amount_cents = fields.Integer(required=True, metadata={"description": "Lowers this invoice's balance."})


class PaymentRead(Schema):
    id = fields.UUID(required=True)
    invoice_id = fields.UUID(required=True, metadata={"description": "The (first) invoice paid."})
    method = fields.String(required=True, metadata={"description": "card or ach"})
    amount_cents = fields.Integer(required=True, metadata={"description": "Lowers the invoice's balance."})
    fee_cents = fields.Integer(required=True, metadata={"description": "The card convenience fee, on top."})
    charged_cents = fields.Integer(required=True)
    status = fields.String(required=True, metadata={
        "description": "succeeded; or (202) pending (an ACH debit until its bank settles it) or unknown (the "
                       "processor's answer was lost: being checked)."})
    message = fields.String(allow_none=True)
    created_at = fields.String(required=True)
    allocations = fields.List(fields.Nested(AllocationRead), required=True, metadata={
        "description": "Each invoice's share of `amount_cents`, in the order allocated."})


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
@payments.alt_response(503, description="The processor refused billing's configuration; nothing was charged.")
def pay_invoice(body, invoice_id):
    """Pay an invoice (the full balance, or part where the branch allows) by card or saved bank account, once
    per Idempotency-Key: a retry with the same key and parameters gets the first answer again."""
    answer = service.pay_invoice(
        current_app.extensions["portal_db"], current_app.extensions[PROCESSOR], customer=current_customer(),
        invoice_id=str(invoice_id), key=_idempotency_key(), amount=body["amount"], source=_source(body))
    return _answered(answer)


@payments.route("/payments", methods=["POST"])
@require_customer
@payments.arguments(InvoicesPaymentCreate)
@payments.response(201, PaymentRead)
@payments.alt_response(202, schema=PaymentRead, description="Pending (an ACH debit until its bank settles it) or "
                                                           "unknown (the processor's answer was lost; held).")
@payments.alt_response(402, description="Declined (problem+json, `detail` in plain words); nothing changed.")
@payments.alt_response(403, description="One of the invoices may not be paid by this contact (`may_not_pay`).")
@payments.alt_response(404, description="One of the invoices is not one of the customer's.")
@payments.alt_response(409, description="A request with this Idempotency-Key is still in flight.")
@payments.alt_response(422, description="An invalid amount (naming `amount` or `invoices.<n>.amount`), nothing "
                                        "due, a missing key, or the key reused with other parameters.")
@payments.alt_response(503, description="The processor refused billing's configuration; nothing was charged.")
def pay_invoices(body):
    """Pay several due invoices with one charge (one receipt), once per Idempotency-Key: the chosen invoices
    (`invoices`, each with its own amount or its full balance) or every due one the customer may pay
    (`all_due`); one `amount` is spread oldest first. Only the property's Primary contact or the invoice's
    Billing contact may pay each invoice, and no invoice's balance goes below zero."""
    request_ = service.PaymentRequest(
        targets=tuple(service.Target(str(share["invoice_id"]), share["amount"]) for share in body["invoices"] or []),
        all_due=body["all_due"], total=body["amount"])
    answer = service.pay_invoices(current_app.extensions["portal_db"], current_app.extensions[PROCESSOR],
                                  customer=current_customer(), key=_idempotency_key(), request=request_,
                                  source=_source(body))
    return _answered(answer)


def _source(body) -> service.SavedMethod | service.CardSource:
    return (service.SavedMethod(str(body["payment_method_id"])) if body["payment_method_id"]
            else service.CardSource(token=body["token"], expiry=body["expiry"]))


def _answered(answer: service.Answer):
    response = jsonify(answer.body)
    response.status_code = answer.status
    if answer.status >= 400:
        response.mimetype = PROBLEM_JSON
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


# -- saved payment methods --------------------------------------------------------------------------

class PaymentMethodCreate(Schema):
    kind = fields.String(required=True, validate=[validate.Length(max=10), validate.OneOf(["card", "ach"])])
    token = Token(load_default=None)
    expiry = Expiry(load_default=None)
    account = fields.String(load_default=None, validate=validate.Length(max=40), metadata={
        "description": "ach: \"Routing Number/Account Number\", digits and one \"/\" (tokenized by the processor, "
                       "never stored)."})
    account_type = fields.String(load_default="checking", validate=validate.OneOf(list(methods.ACCOUNT_TYPES)))
    make_default = fields.Boolean(load_default=False)

    @validates_schema
    def what_the_kind_needs(self, data, **_):
        if data["kind"] == "card":
            missing = [name for name in ("token", "expiry") if not data.get(name)]
            if missing:
                raise ValidationError({name: ["Required for a card."] for name in missing})
        elif not data.get("account"):
            raise ValidationError({"account": ["Required for a bank account: Routing Number/Account Number."]})


class PaymentMethodUpdate(Schema):
    expiry = Expiry(load_default=None)
    is_default = fields.Boolean(load_default=None)


class PaymentMethodRead(Schema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, metadata={"description": "card or ach"})
    brand = fields.String(required=True, metadata={"description": "Visa, Mastercard, ...; Checking or Savings"})
    last_four = fields.String(required=True)
    expiry = fields.String(allow_none=True, metadata={"description": "MMYY (cards)"})
    expired = fields.Boolean(required=True)
    is_default = fields.Boolean(required=True)
    accepted = fields.Boolean(required=True, metadata={"description": "The branch takes this type now."})
    created_at = fields.AwareDateTime(required=True)


class PaymentPreferences(Schema):
    email_receipts = fields.Boolean(required=True)


def _today():
    return datetime.now(UTC).date()


def _db():
    return current_app.extensions["portal_db"]


@payments.route("/payment-methods", methods=["GET"])
@require_customer
@payments.response(200, PaymentMethodRead(many=True))
def list_payment_methods():
    """The signed-in customer's saved methods: the default first; expired cards flagged."""
    with _db().unit_of_work() as session:
        return methods.list_methods(session, customer=current_customer(), today=_today())


@payments.route("/payment-methods", methods=["POST"])
@require_customer
@payments.arguments(PaymentMethodCreate)
@payments.response(201, PaymentMethodRead)
@payments.alt_response(422, description="A field is invalid (named), or the branch does not take this type.")
def add_payment_method(body):
    """Save a card (its tokenizer token and MMYY expiry) or a bank account ("Routing Number/Account Number",
    the routing checksum verified, tokenized by the processor); the first one saved is the default."""
    who, today = current_customer(), _today()
    if body["kind"] == "card":
        with _db().unit_of_work() as session:
            return methods.add_card(session, customer=who, token=body["token"], expiry=body["expiry"],
                                    make_default=body["make_default"], today=today)
    with _db().unit_of_work() as session:
        methods.ensure_bank_accounts_accepted(session, customer=who)
    token, last_four = methods.bank_account_token(current_app.extensions[PROCESSOR], account=body["account"])
    with _db().unit_of_work() as session:
        return methods.add_bank_account(session, customer=who, token=token, last_four=last_four,
                                        account_type=body["account_type"], make_default=body["make_default"],
                                        today=today)


@payments.route("/payment-methods/<uuid:method_id>", methods=["PATCH"])
@require_customer
@payments.arguments(PaymentMethodUpdate)
@payments.response(200, PaymentMethodRead)
def update_payment_method(body, method_id):
    """A card's new expiry, and/or `is_default: true` to make a method the default."""
    with _db().unit_of_work() as session:
        return methods.update_method(session, customer=current_customer(), method_id=str(method_id),
                                     expiry=body["expiry"], is_default=body["is_default"], today=_today())


@payments.route("/payment-methods/<uuid:method_id>/default", methods=["POST"])
@require_customer
@payments.response(200, PaymentMethodRead)
def make_default_payment_method(method_id):
    """Make this method the default."""
    with _db().unit_of_work() as session:
        return methods.update_method(session, customer=current_customer(), method_id=str(method_id), expiry=None,
                                     is_default=True, today=_today())


@payments.route("/payment-methods/<uuid:method_id>", methods=["DELETE"])
@require_customer
@payments.response(204)
def delete_payment_method(method_id):
    """Forget a saved method; if it was the default, the newest other becomes it."""
    with _db().unit_of_work() as session:
        methods.delete_method(session, customer=current_customer(), method_id=str(method_id))


@payments.route("/payment-preferences", methods=["GET"])
@require_customer
@payments.response(200, PaymentPreferences)
def get_payment_preferences():
    """Whether the customer wants a receipt emailed for each payment (stored; no email is sent yet)."""
    with _db().unit_of_work() as session:
        return methods.preferences(session, customer=current_customer())


@payments.route("/payment-preferences", methods=["PUT"])
@require_customer
@payments.arguments(PaymentPreferences)
@payments.response(200, PaymentPreferences)
def set_payment_preferences(body):
    """Turn email receipts on or off."""
    with _db().unit_of_work() as session:
        return methods.set_preferences(session, customer=current_customer(), email_receipts=body["email_receipts"])
