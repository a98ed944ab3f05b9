"""Schemas of billing's HTTP API: the back office's invoices and credits (integration), the customer's
invoice list and detail, and the summary."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate

from portal_billing.adapters.orm import NUMBER_LENGTH
from portal_shared.access.schemas import PropertyFilterQuery
from portal_shared.web.fields import DecimalString, ExternalId, Money

MAX_TERMS_DAYS = 3650
MAX_SERVICES, MAX_LINES, MAX_PAYMENTS = 200, 500, 500
_QUANTITY = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,4})?\Z"
NAME_LENGTH, ITEM_LENGTH = 200, 500


def Quantity(**kwargs) -> DecimalString:
    return DecimalString(_QUANTITY, "3.18", **kwargs)


# -- integration: what the back office sends ---------------------------------------------------

class OpportunityIn(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=NUMBER_LENGTH))
    name = fields.String(load_default="", validate=validate.Length(max=NAME_LENGTH))


class LineIn(Schema):
    quantity = Quantity(required=True)
    item = fields.String(required=True, validate=validate.Length(min=1, max=ITEM_LENGTH))
    unit_price = Money(required=True)
    extended_price = Money(required=True, metadata={"description": "quantity × unit_price, rounded half up."})


class ServiceIn(Schema):
    """The lines of one opportunity on the invoice."""

    opportunity_number = fields.String(required=True, validate=validate.Length(min=1, max=NUMBER_LENGTH))
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_LENGTH))
    lines = fields.List(fields.Nested(LineIn), load_default=list, validate=validate.Length(max=MAX_LINES))
    sales_tax = Money(load_default=Decimal("0"))
    total = Money(required=True, metadata={"description": "The lines' extended prices plus sales_tax "
                                                          "(checked when lines are given)."})


class PaymentIn(Schema):
    """A payment recorded in the back office (cheque, cash, another processor...)."""

    external_id = ExternalId(required=True)
    paid_on = fields.Date(required=True)
    amount = Money(required=True)


class InvoiceUpsert(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=NUMBER_LENGTH))
    invoice_date = fields.Date(required=True)
    terms_days = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_TERMS_DAYS),
                                metadata={"description": "Net N terms; the due date is invoice_date + N days."})
    property_external_id = ExternalId(required=True, metadata={
        "description": "The back office's property id, as PUT to identity's /integration/properties/<id>."})
    billing_contact_external_id = ExternalId(load_default=None, allow_none=True, metadata={
        "description": "The back office's contact id (identity's /integration/contacts/<id>): they may pay."})
    opportunities = fields.List(fields.Nested(OpportunityIn), required=True,
                                validate=validate.Length(min=1, max=MAX_SERVICES))
    services = fields.List(fields.Nested(ServiceIn), load_default=list, validate=validate.Length(max=MAX_SERVICES))
    total = Money(required=True, metadata={"description": "The services' totals (checked when services are given)."})
    payments = fields.List(fields.Nested(PaymentIn), load_default=list, validate=validate.Length(max=MAX_PAYMENTS),
                           metadata={"description": "Every payment the back office recorded (the full list)."})
    sent = fields.Boolean(required=True, metadata={
        "description": "The back office printed or emailed it: only then do customers see it."})
    voided = fields.Boolean(load_default=False, metadata={"description": "A voided invoice disappears from the portal."})


class CreditUpsert(Schema):
    property_external_id = ExternalId(required=True)
    credit_date = fields.Date(load_default=None, allow_none=True)
    amount = Money(required=True)
    invoice_external_id = ExternalId(load_default=None, allow_none=True, metadata={
        "description": "The invoice it is applied to; null while unapplied (it then lowers no balance)."})
    voided = fields.Boolean(load_default=False)


class Line(Schema):
    quantity = fields.String()
    item = fields.String()
    unit_price_cents = fields.Integer()
    extended_price_cents = fields.Integer()


class Service(Schema):
    opportunity_number = fields.String()
    name = fields.String()
    lines = fields.List(fields.Nested(Line))
    sales_tax_cents = fields.Integer()
    total_cents = fields.Integer()


class Opportunity(Schema):
    number = fields.String()
    name = fields.String()


class Payment(Schema):
    external_id = fields.String()
    paid_on = fields.String()
    amount_cents = fields.Integer()


class InvoiceStored(Schema):
    """The invoice as billing stored it (money in cents)."""

    id = fields.String()
    external_id = fields.String()
    number = fields.String()
    invoice_date = fields.Date()
    terms = fields.String(metadata={"example": "Net 30"})
    terms_days = fields.Integer()
    due_date = fields.Date()
    property_id = fields.String()
    property_external_id = fields.String()
    billing_contact_external_id = fields.String(allow_none=True)
    opportunities = fields.List(fields.Nested(Opportunity))
    services = fields.List(fields.Nested(Service))
    payments = fields.List(fields.Nested(Payment))
    total_cents = fields.Integer()
    paid_cents = fields.Integer()
    sent = fields.Boolean()
    voided = fields.Boolean()


class CreditStored(Schema):
    id = fields.String()
    external_id = fields.String()
    property_id = fields.String()
    property_external_id = fields.String()
    credit_date = fields.Date(allow_none=True)
    amount_cents = fields.Integer()
    invoice_external_id = fields.String(allow_none=True)
    voided = fields.Boolean()


# -- the customer's API ----------------------------------------------------------------------------

SHOW = ("all", "due", "paid")


class InvoiceQuery(PropertyFilterQuery):
    """`?show=due&property_id=…`: the list's Show and the Property Filter."""

    show = fields.String(load_default="all", validate=validate.OneOf(SHOW),
                         metadata={"description": "The list's Show: All, Due or Paid."})


class PropertyRef(Schema):
    id = fields.String()
    name = fields.String()
    street = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    zip = fields.String(allow_none=True)


class InvoiceRow(Schema):
    id = fields.String()
    number = fields.String()
    title = fields.String(metadata={"example": "Invoice #6: Weekly Maintenance"})
    property = fields.Nested(PropertyRef)
    invoice_date = fields.Date()
    due_date = fields.Date()
    amount_cents = fields.Integer(metadata={"description": "The invoice's total."})
    balance_cents = fields.Integer(metadata={
        "description": "What is left to pay: total − paid − applied credits − the portal's payments that hold money "
                       "(including those not yet settled)."})
    pending_cents = fields.Integer(metadata={
        "description": "The part of the portal's payments not yet known to be paid: a charge whose answer was lost, "
                       "an ACH debit until its bank settles it."})
    status = fields.String(metadata={"description": "Due (a balance is left), Pending (nothing left to pay, but a "
                                                    "payment is not settled yet) or Paid."})


class ContactRef(Schema):
    id = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String()


class ServiceContact(Schema):
    """The property's sales rep (seed 002's Service Contact)."""
    first_name, last_name, email = fields.String(), fields.String(), fields.String()
    title = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata={
        "description": "null when the branch does not show the sales rep's phone (or identity has none)."})


class InvoiceDetail(InvoiceRow):
    terms = fields.String()
    paid_cents = fields.Integer()
    credited_cents = fields.Integer(metadata={"description": "Credits applied to this invoice."})
    opportunities = fields.List(fields.Nested(Opportunity), metadata={
        "description": "The proposals (opportunities) the invoice is associated with."})
    services = fields.List(fields.Nested(Service))
    total_cents = fields.Integer()
    billing_contact = fields.Nested(ContactRef, allow_none=True)
    may_pay = fields.Boolean(metadata={"description": "The property's Primary contact or the invoice's "
                                                     "Billing contact may pay it."})
    service_contact = fields.Nested(ServiceContact, allow_none=True, metadata={
        "description": "The property's sales rep; null when identity has named no active one."})


class BillingSummary(Schema):
    """The figures of billing's card on Home (the kit adds `property_ids`)."""

    current_balance_cents = fields.Integer(required=True, metadata={
        "description": "Sum of the balances of due invoices (applied credits lower them; unapplied ones do not)."})
    invoices_due = fields.Integer(required=True, metadata={"description": "Invoices with a balance."})
