"""Schemas of proposals' HTTP API: the back office's proposals (integration), the customer's proposal
list and detail, and the summary."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal_proposals.adapters.orm import (NAME_LENGTH, NUMBER_LENGTH, REP_EMAIL_LENGTH, REP_NAME_LENGTH,
                                           REP_PHONE_LENGTH, REP_TITLE_LENGTH)
from portal_proposals.domain.proposals import PORTAL_STATUSES, STATUSES, TYPES
from portal_shared.access.schemas import PropertyFilterQuery
from portal_shared.web.fields import ExternalId, Money, PropertyRef

MAX_SERVICES, MAX_LINKS, MAX_VISITS = 200, 200, 100_000

# -- integration: what the back office sends ---------------------------------------------------


class ServiceIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_LENGTH))
    visits = fields.Integer(load_default=None, allow_none=True, strict=True,
                            validate=validate.Range(min=0, max=MAX_VISITS),
                            metadata={"description": "How many visits the service takes (\"1 Visit\")."})
    amount = Money(required=True)


class LinkIn(Schema):
    """A request or invoice the proposal is associated with: the back office's id and its number."""

    external_id = ExternalId(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=NUMBER_LENGTH))


class SalesRepIn(Schema):
    """The opportunity's sales rep: the customer's *Service Contact* (the phone only when the branch shows it)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=REP_NAME_LENGTH))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=REP_TITLE_LENGTH))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=REP_EMAIL_LENGTH))
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=REP_PHONE_LENGTH))


class ProposalUpsert(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=NUMBER_LENGTH))
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_LENGTH),
                         metadata={"description": "The opportunity's name (\"Major Landscaping Project 2024\")."})
    property_external_id = ExternalId(required=True, metadata={
        "description": "The back office's property id, as PUT to identity's /integration/properties/<id>."})
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    status = fields.String(required=True, validate=validate.OneOf(STATUSES), metadata={
        "description": "The opportunity's status in the back office. Delivered awaits the customer's signature; "
                       "Won and Lost close it."})
    sent = fields.Boolean(required=True, metadata={
        "description": "The back office printed or emailed it: only then do customers see it."})
    sent_date = fields.Date(load_default=None, allow_none=True, metadata={"description": "Required when sent."})
    start_date = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "The estimated start date: the list's order and the branch's N-day window."})
    price = Money(required=True, metadata={"description": "The services' sum (checked when services are given)."})
    services = fields.List(fields.Nested(ServiceIn), load_default=list, validate=validate.Length(max=MAX_SERVICES))
    optional_services = fields.List(fields.Nested(ServiceIn), load_default=list,
                                    validate=validate.Length(max=MAX_SERVICES), metadata={
                                        "description": "Services the customer may add when signing."})
    sales_rep = fields.Nested(SalesRepIn, load_default=None, allow_none=True)
    requests = fields.List(fields.Nested(LinkIn), load_default=list, validate=validate.Length(max=MAX_LINKS),
                           metadata={"description": "The requests (issues) it answers, by the back office's ids."})
    invoices = fields.List(fields.Nested(LinkIn), load_default=list, validate=validate.Length(max=MAX_LINKS),
                           metadata={"description": "The invoices billed for it, by the back office's ids."})


class Line(Schema):
    name = fields.String()
    visits = fields.Integer(allow_none=True)
    amount_cents = fields.Integer()


class SalesRep(Schema):
    name = fields.String()
    title = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class Reference(Schema):
    external_id = fields.String()
    number = fields.String()


class ProposalStored(Schema):
    """The proposal as proposals stored it (money in cents), with the version a PUT left current."""

    id = fields.String()
    external_id = fields.String()
    number = fields.String()
    property_id = fields.String()
    property_external_id = fields.String()
    status = fields.String()
    start_date = fields.Date(allow_none=True)
    version = fields.Integer(metadata={"description": "The newest version; a change to a sent one is the next."})
    new_version = fields.Boolean(metadata={"description": "This PUT started a new version."})
    name = fields.String()
    type = fields.String()
    sent = fields.Boolean()
    sent_date = fields.Date(allow_none=True)
    price_cents = fields.Integer()
    services = fields.List(fields.Nested(Line))
    optional_services = fields.List(fields.Nested(Line))
    sales_rep = fields.Nested(SalesRep, allow_none=True)
    requests = fields.List(fields.Nested(Reference))
    invoices = fields.List(fields.Nested(Reference))


# -- the customer's API ----------------------------------------------------------------------------

SHOW = ("all", "pending", "accepted", "rejected")


class ProposalQuery(PropertyFilterQuery):
    """`?show=pending&property_id=…`: the list's Show and the Property Filter."""

    show = fields.String(load_default="all", validate=validate.OneOf(SHOW),
                         metadata={"description": "The list's Show: All, Pending, Accepted or Rejected."})


class ProposalRow(Schema):
    id = fields.String()
    number = fields.String()
    name = fields.String()
    title = fields.String(metadata={"example": "Proposal #88: Major Landscaping Project 2024"})
    property = fields.Nested(PropertyRef)
    type = fields.String()
    sent_date = fields.Date()
    start_date = fields.Date(allow_none=True)
    price_cents = fields.Integer()
    status = fields.String(metadata={"description": f"One of {', '.join(PORTAL_STATUSES)}."})


class ProposalDetail(ProposalRow):
    version = fields.Integer(metadata={"description": "The version shown (and the one a signature is for)."})
    back_office_status = fields.String(metadata={"description": "Delivered, Approved, In Production, Won or Lost."})
    show_service_details = fields.Boolean(metadata={
        "description": "False when the branch shows one lump sum: `services` is then empty."})
    services = fields.List(fields.Nested(Line))
    optional_services = fields.List(fields.Nested(Line))
    total_cents = fields.Integer(metadata={"description": "The price plus the optional services signed for."})
    chosen_optional_services = fields.List(fields.String(), metadata={
        "description": "The optional services chosen when it was signed."})
    sales_rep = fields.Nested(SalesRep, allow_none=True, metadata={
        "description": "The Service Contact; `phone` is null unless the branch shows it."})
    requests = fields.List(fields.Nested(Reference))
    invoices = fields.List(fields.Nested(Reference))
    signed = fields.Boolean()
    may_sign = fields.Boolean(metadata={"description": "Pending, and the customer is the property's Primary or "
                                                       "Billing contact."})


class ProposalsSummary(Schema):
    """The figures of proposals's card on Home (the kit adds `property_ids`)."""

    pending_proposals = fields.Integer(required=True, metadata={
        "description": "Proposals the customer sees that await a signature (sent, Delivered, not signed), "
                       "within the branch's N-day window."})
