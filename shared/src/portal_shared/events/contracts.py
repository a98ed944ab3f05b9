"""Contracts of the integration events' `data`, as marshmallow schemas. Schemas only.

Add an event: write its schema here, register it in CONTRACTS under (type, version), publish
it with `make_event`, and bind a consumer to its type. A breaking change is a new version.
If the back office should hear of it by webhook, list it in `portal_shared.events.webhooks`.
"""
from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields, validate

# Re-exported: the settings vocabulary is part of this contract (portal_settings.py).
from portal_shared.events.portal_settings import FONT_STACKS, PAYMENT_TYPES

SLUG = validate.Regexp(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class BranchV1(Schema):
    """A branch as every reader needs it: routing (gateway), greeting (notifications)."""

    branch_id = fields.UUID(required=True)
    company_id = fields.UUID(required=True)
    company_name = fields.String(required=True)
    company_contact_email = fields.Email(required=True, allow_none=True)
    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    time_zone = fields.String(required=True)
    portal_url = fields.String(required=True)
    # Increases with every change, so a reader can ignore an older copy that arrives late.
    revision = fields.Integer(required=True, validate=validate.Range(min=1))


class BranchCreatedV1(BranchV1):
    pass


class BranchUpdatedV1(BranchV1):
    pass


ROLE = validate.OneOf(["Primary", "Billing", "Other"])
# What a contact may do on a property beyond seeing it. identity owns the roles and decides which
# role grants what (portal_identity.domain.property_roles); every other service only reads these.
PROPERTY_PERMISSIONS = ("pay", "sign")


class ContactUpsertedV1(Schema):
    """A contact as other services' read models need it (who they are, whether they can sign in)."""

    contact_id = fields.UUID(required=True)
    email = fields.Email(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    verified = fields.Boolean(required=True)
    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    # Added to v1: the back office's id of the contact (null for one created in the portal, and
    # in events published before the field; billing's invoices name their billing contact by it).
    external_id = fields.String(load_default=None, allow_none=True)


class PropertyUpsertedV1(Schema):
    property_id = fields.UUID(required=True)
    branch_id = fields.UUID(required=True)
    name = fields.String(required=True)
    street = fields.String(required=True, allow_none=True)
    city = fields.String(required=True, allow_none=True)
    state = fields.String(required=True, allow_none=True)
    zip = fields.String(required=True, allow_none=True)
    account_owner_id = fields.UUID(required=True, allow_none=True)
    operations_manager_id = fields.UUID(required=True, allow_none=True)
    sales_rep_id = fields.UUID(required=True, allow_none=True)
    revision = fields.Integer(required=True, validate=validate.Range(min=1))
    # Added to v1: the back office's id of the property (billing's invoices name their property by it).
    external_id = fields.String(load_default=None, allow_none=True)


class PropertyAccessEntry(Schema):
    contact_id = fields.UUID(required=True)
    roles = fields.List(fields.String(validate=ROLE), required=True)
    # Added to v1 (a reader of an older copy sees none: it fails closed, never open).
    permissions = fields.List(fields.String(validate=validate.OneOf(PROPERTY_PERMISSIONS)), load_default=list)


class PropertyAccessChangedV1(Schema):
    """The complete list of who may see a property and in which roles; readers replace theirs."""

    property_id = fields.UUID(required=True)
    branch_id = fields.UUID(required=True)
    access = fields.List(fields.Nested(PropertyAccessEntry), required=True)
    revision = fields.Integer(required=True, validate=validate.Range(min=1))


class Sender(Schema):
    name = fields.String(required=True)
    email = fields.Email(required=True)


class InvitationCreatedV1(Schema):
    """A rendered invitation for notifications to send. `link` is a secret: single use, 30 days."""

    invitation_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    to_email = fields.Email(required=True)
    to_name = fields.String(required=True)
    subject = fields.String(required=True)
    body_text = fields.String(required=True)
    link = fields.String(required=True)
    link_description = fields.String(required=True)
    sender = fields.Nested(Sender, required=True)
    company_name = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class PasswordResetRequestedV1(Schema):
    """Only ever published for a verified customer. `link` is a secret: single use, short-lived."""

    contact_id = fields.UUID(required=True)
    to_email = fields.Email(required=True)
    to_name = fields.String(required=True)
    link = fields.String(required=True)
    company_name = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class PasswordChangedV1(Schema):
    contact_id = fields.UUID(required=True)
    to_email = fields.Email(required=True)
    to_name = fields.String(required=True)
    company_name = fields.String(required=True)
    portal_url = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True)
    how = fields.String(required=True, validate=validate.OneOf(["changed", "reset"]))


class StaffUpsertedV1(Schema):
    """A staff user as other services authorise them (portal-config: who may change settings)."""

    staff_id = fields.UUID(required=True)
    email = fields.Email(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    role = fields.String(required=True)
    permissions = fields.List(fields.String(), required=True)
    branch_ids = fields.List(fields.UUID(), required=True)
    active = fields.Boolean(required=True)


FONT = validate.OneOf(list(FONT_STACKS))


class CarouselSlideV1(Schema):
    image_url = fields.String(required=True)
    caption = fields.String(required=True, allow_none=True)
    link = fields.String(required=True, allow_none=True)


class PortalSettingsV1(Schema):
    """Everything a branch's portal looks like and shows. Colours are normalised `#rrggbb`."""

    page_title = fields.String(required=True)
    login_page_text = fields.String(required=True, allow_none=True)
    login_logo_url = fields.String(required=True, allow_none=True)
    display_font = fields.String(required=True, validate=FONT)
    input_font = fields.String(required=True, validate=FONT)
    background_color = fields.String(required=True)
    border_color = fields.String(required=True)
    nav_logo_url = fields.String(required=True, allow_none=True)
    nav_title = fields.String(required=True)
    nav_background_color = fields.String(required=True)
    nav_font_color = fields.String(required=True)
    button_background_color = fields.String(required=True)
    button_font = fields.String(required=True, validate=FONT)
    button_font_color = fields.String(required=True)
    dashboard_text = fields.String(required=True, allow_none=True)
    dashboard_font = fields.String(required=True, validate=FONT)
    dashboard_font_color = fields.String(required=True)
    carousel = fields.List(fields.Nested(CarouselSlideV1), required=True)
    show_invoices = fields.Boolean(required=True)
    show_proposals = fields.Boolean(required=True)
    show_requests = fields.Boolean(required=True)
    show_visits = fields.Boolean(required=True)
    proposal_window_days = fields.Integer(required=True, allow_none=True)
    show_service_details = fields.Boolean(required=True)
    show_sales_rep_phone = fields.Boolean(required=True)
    electronic_payments = fields.Boolean(required=True)
    accepted_payment_types = fields.List(fields.String(validate=validate.OneOf(PAYMENT_TYPES)), required=True)
    partial_payments = fields.Boolean(required=True)
    card_convenience_fee_percent = fields.Decimal(required=True, as_string=True, places=2)
    invitation_subject = fields.String(required=True)
    invitation_body = fields.String(required=True)
    invitation_link_description = fields.String(required=True)


class PortalSettingsUpdatedV1(Schema):
    """A branch's complete settings after a save (readers replace theirs); `version` only grows."""

    branch_id = fields.UUID(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    updated_by = fields.UUID(required=True, allow_none=True)
    settings = fields.Nested(PortalSettingsV1, required=True)


class PaymentAllocationV1(Schema):
    """One invoice's share of a payment."""

    invoice_id = fields.UUID(required=True)
    invoice_external_id = fields.String(required=True)
    invoice_number = fields.String(required=True)
    amount_cents = fields.Integer(required=True, validate=validate.Range(min=1))
    balance_cents = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0), metadata={
        "description": "payment_succeeded: the invoice's balance once this payment is counted (for the receipt)."})


class PaymentSucceededV1(Schema):
    """billing: a customer paid (part of) one or more invoices through the portal and the money is ours: a card
    charge approved, or an ACH debit settled by its bank (never when it was merely accepted). `amount_cents`
    lowers the balances; `fee_cents` (cards only) was charged on top. The `invoice_*` fields name the first
    invoice paid; `allocations` (optional, added in v1 without breaking it) lists every invoice's share, oldest
    first, summing to `amount_cents`."""

    payment_id = fields.UUID(required=True)
    invoice_id = fields.UUID(required=True)
    invoice_external_id = fields.String(required=True)
    invoice_number = fields.String(required=True)
    property_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    method = fields.String(required=True, validate=validate.OneOf(["card", "ach"]))
    amount_cents = fields.Integer(required=True, validate=validate.Range(min=1))
    fee_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    processor_reference = fields.String(required=True)
    paid_at = fields.AwareDateTime(required=True)
    allocations = fields.List(fields.Nested(PaymentAllocationV1), load_default=None)
    # For the receipt (notifications): the payer's address only when they opted in to email receipts.
    receipt_email = fields.Email(load_default=None, allow_none=True)
    receipt_name = fields.String(load_default=None, allow_none=True)
    property_name = fields.String(load_default=None, allow_none=True)
    balance_cents = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0),
                                   metadata={"description": "The invoice's balance once this payment is counted."})


class EmailReceiptsEnabledV1(Schema):
    """billing: a customer turned email receipts on (notifications confirms it by email)."""

    contact_id = fields.UUID(required=True)
    to_email = fields.Email(required=True)
    to_name = fields.String(required=True)


class AutopayInvoiceV1(Schema):
    """billing's autopay, about one invoice of an enrolled property: who is emailed (the contact who
    enrolled it), the invoice, and the saved method the worker charges ("Visa ending 1111")."""

    enrolment_id = fields.UUID(required=True)
    invoice_id = fields.UUID(required=True)
    invoice_external_id = fields.String(required=True)
    invoice_number = fields.String(required=True)
    property_id = fields.UUID(required=True)
    property_name = fields.String(required=True)
    contact_id = fields.UUID(required=True)
    to_email = fields.Email(required=True)
    to_name = fields.String(required=True)
    due_date = fields.Date(required=True)
    amount_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    payment_method = fields.String(required=True)


class AutopayUpcomingV1(AutopayInvoiceV1):
    """Three days before the due date: the worker will charge `amount_cents` (the balance then) on it."""


class AutopayChargedV1(AutopayInvoiceV1):
    """The worker charged the invoice: `succeeded` (a card) or `pending` (an ACH debit until its bank settles)."""

    payment_id = fields.UUID(required=True)
    fee_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    status = fields.String(required=True, validate=validate.OneOf(["succeeded", "pending"]))
    charged_at = fields.AwareDateTime(required=True)


class AutopayFailedV1(AutopayInvoiceV1):
    """The worker could not charge the invoice (declined, the method gone or expired, no longer allowed to
    pay): the enrolment is stopped; `reason` in plain words. The invoice stays due."""

    reason = fields.String(required=True)
    payment_id = fields.UUID(required=True, allow_none=True)
    failed_at = fields.AwareDateTime(required=True)


class PaymentReturnedV1(Schema):
    """billing: a bank returned a portal ACH payment (R01 insufficient funds, R10 not authorised, ...): the
    money never arrived or was taken back, so the invoices' balances are open again. `after_settlement` is
    true when the debit had settled and `payment_succeeded` was published for it (the back office reverses
    that payment); false when it was returned while pending (no `payment_succeeded` was ever sent). The
    contact's email and name are for the email telling them."""

    payment_id = fields.UUID(required=True)
    invoice_id = fields.UUID(required=True)
    invoice_external_id = fields.String(required=True)
    invoice_number = fields.String(required=True)
    property_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    method = fields.String(required=True, validate=validate.OneOf(["ach"]))
    amount_cents = fields.Integer(required=True, validate=validate.Range(min=1))
    fee_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    processor_reference = fields.String(required=True)
    return_code = fields.String(required=True, allow_none=True)
    returned_at = fields.AwareDateTime(required=True)
    after_settlement = fields.Boolean(required=True)
    allocations = fields.List(fields.Nested(PaymentAllocationV1), required=True)
    contact_email = fields.String(required=True, allow_none=True)
    contact_name = fields.String(required=True, allow_none=True)


class ChosenOptionalServiceV1(Schema):
    name = fields.String(required=True)
    amount_cents = fields.Integer(required=True, validate=validate.Range(min=0))


class SalesRepV1(Schema):
    name = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)


class ProposalSignedV1(Schema):
    """proposals: a customer signed a version of a proposal in the portal. `total_cents` is the price plus
    the optional services they chose; `change_order` when the version is not the first; the sealed PDF's
    SHA-256 is what the verify page matches. The back office still wins the opportunity itself (seed 003)."""

    proposal_id = fields.UUID(required=True)
    proposal_external_id = fields.String(required=True)
    number = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    change_order = fields.Boolean(required=True)
    property_id = fields.UUID(required=True)
    contact_id = fields.UUID(required=True)
    signer_name = fields.String(required=True)
    price_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    chosen_optional_services = fields.List(fields.Nested(ChosenOptionalServiceV1), required=True)
    total_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    sales_rep = fields.Nested(SalesRepV1, required=True, allow_none=True)
    signed_pdf_sha256 = fields.String(required=True, validate=validate.Length(equal=64))
    signed_at = fields.AwareDateTime(required=True)


class ProposalResponseV1(Schema):
    """proposals: a contact who may sign answered a Pending version with a comment instead of a signature
    (docs/adr/0025). Once per version; a new version from the back office is Pending again."""

    proposal_id = fields.UUID(required=True)
    proposal_external_id = fields.String(required=True)
    number = fields.String(required=True)
    name = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    property_id = fields.UUID(required=True)
    property_name = fields.String(required=True, allow_none=True)
    contact_id = fields.UUID(required=True)
    contact_name = fields.String(required=True)
    contact_email = fields.String(required=True, allow_none=True)
    comment = fields.String(required=True, validate=validate.Length(min=1))
    price_cents = fields.Integer(required=True, validate=validate.Range(min=0))
    sales_rep = fields.Nested(SalesRepV1, required=True, allow_none=True)
    responded_at = fields.AwareDateTime(required=True)


class ProposalDeclinedV1(ProposalResponseV1):
    """proposals: the customer declined the version (*Decline*); `comment` says why."""


class ProposalChangesRequestedV1(ProposalResponseV1):
    """proposals: the customer asked for changes to the version (*Request Changes*); `comment` says which."""
class RequestPerson(Schema):
    """Someone an email about a request goes to, or who wrote in it."""

    name = fields.String(required=True)
    email = fields.Email(required=True)


class RequestStaffMember(RequestPerson):
    role = fields.String(required=True, validate=validate.OneOf(["account_owner", "operations_manager"]))


class RequestContact(RequestPerson):
    contact_id = fields.UUID(required=True)


class RequestFacts(Schema):
    """What every requests event says about the request (the portal's id; the back office's, once it has one)."""

    request_id = fields.UUID(required=True)
    request_external_id = fields.String(required=True, allow_none=True)
    number = fields.String(required=True)
    subject = fields.String(required=True)
    priority = fields.String(required=True, validate=validate.OneOf(["High", "Normal", "Low"]))
    property_id = fields.UUID(required=True)
    property_external_id = fields.String(required=True, allow_none=True)
    property_name = fields.String(required=True)


class RequestCreatedV1(RequestFacts):
    """requests: a customer created a request in the portal. `notify`: the property's account owner and
    operations manager (from requests' copy of identity's directory), whom notifications emails."""

    description = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    opened_by = fields.Nested(RequestContact, required=True)
    attachments = fields.Integer(required=True, validate=validate.Range(min=0))
    notify = fields.List(fields.Nested(RequestStaffMember), required=True)


class RequestCommentedV1(RequestFacts):
    """requests: a customer commented on a request in the portal; `notify`: the property's account owner."""

    comment_id = fields.UUID(required=True)
    text = fields.String(required=True)
    commented_at = fields.AwareDateTime(required=True)
    author = fields.Nested(RequestContact, required=True)
    attachments = fields.Integer(required=True, validate=validate.Range(min=0))
    notify = fields.List(fields.Nested(RequestStaffMember), required=True)


class RequestRepliedV1(RequestFacts):
    """requests: the back office published a public comment on a request a customer opened in the portal;
    notifications emails that customer (`to`)."""

    comment_id = fields.UUID(required=True)
    text = fields.String(required=True)
    author = fields.String(required=True)
    to = fields.Nested(RequestContact, required=True)


CONTRACTS: dict[tuple[str, int], type[Schema]] = {
    ("request_created", 1): RequestCreatedV1,
    ("request_commented", 1): RequestCommentedV1,
    ("request_replied", 1): RequestRepliedV1,
    ("payment_succeeded", 1): PaymentSucceededV1,
    ("payment_returned", 1): PaymentReturnedV1,
    ("email_receipts_enabled", 1): EmailReceiptsEnabledV1,
    ("autopay_upcoming", 1): AutopayUpcomingV1,
    ("autopay_charged", 1): AutopayChargedV1,
    ("autopay_failed", 1): AutopayFailedV1,
    ("proposal_signed", 1): ProposalSignedV1,
    ("proposal_declined", 1): ProposalDeclinedV1,
    ("proposal_changes_requested", 1): ProposalChangesRequestedV1,
    ("staff_upserted", 1): StaffUpsertedV1,
    ("portal_settings_updated", 1): PortalSettingsUpdatedV1,
    ("branch_created", 1): BranchCreatedV1,
    ("branch_updated", 1): BranchUpdatedV1,
    ("contact_upserted", 1): ContactUpsertedV1,
    ("property_upserted", 1): PropertyUpsertedV1,
    ("property_access_changed", 1): PropertyAccessChangedV1,
    ("invitation_created", 1): InvitationCreatedV1,
    ("password_reset_requested", 1): PasswordResetRequestedV1,
    ("password_changed", 1): PasswordChangedV1,
}


class UnknownEventType(KeyError):
    pass


@cache  # one instance per contract: building a schema costs more than using it; load/dump keep no state in it
def contract_for(event_type: str, version: int = 1) -> Schema:
    try:
        return CONTRACTS[(event_type, version)]()
    except KeyError:
        raise UnknownEventType(f"no contract for event {event_type!r} version {version}") from None
