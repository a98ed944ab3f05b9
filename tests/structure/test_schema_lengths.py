"""Every text a write schema accepts fits the column it is stored in.

A string longer than its `VARCHAR(n)` used to reach PostgreSQL and come back as a 500. The edge
(marshmallow `validate.Length`, and the `maxlength` of a path segment) must refuse it first with a
422 or 404, and its limit must be the column's: looser lets the 500 back in, tighter refuses data
the database would keep. The table below says which model each write schema fills; a new write
schema that is not in it fails `test_every_write_schema_is_mapped_to_its_table`.
"""
from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from portal_billing.adapters import orm as billing_orm
from portal_config.adapters import orm as config_orm
from portal_identity.adapters import orm as identity_orm
from portal_notifications.adapters import orm as notifications_orm
from portal_proposals.adapters import evidence_orm as proposals_evidence_orm
from portal_proposals.adapters import orm as proposals_orm
from portal_visits.adapters import orm as visits_orm
from portal_requests.adapters import orm as requests_orm

WRITE_SUFFIXES = ("Create", "Update", "Upsert", "Accept", "Entry", "Set")
SCHEMA_MODULES = ("portal_identity.entrypoints.schemas", "portal_config.entrypoints.schemas",
                  "portal_notifications.entrypoints.schemas", "portal_billing.entrypoints.schemas",
                  "portal_billing.entrypoints.payments_api", "portal_proposals.entrypoints.schemas",
                  "portal_proposals.entrypoints.signing_schemas", "portal_visits.entrypoints.schemas",
                  "portal_requests.entrypoints.schemas")

# schema → (model it writes, {schema field: column} where the names differ)
WRITES = {
    "portal_identity.entrypoints.schemas.ContactUpsert": (identity_orm.Contact, {}),
    "portal_identity.entrypoints.schemas.ProfileUpdate": (identity_orm.Contact, {}),
    "portal_identity.entrypoints.schemas.InvitationAccept": (identity_orm.Contact, {}),
    "portal_identity.entrypoints.schemas.PropertyUpsert": (identity_orm.Property, {
        "branch_slug": identity_orm.Branch.slug,
        "account_owner_email": identity_orm.StaffUser.email,
        "operations_manager_email": identity_orm.StaffUser.email,
        "sales_rep_email": identity_orm.StaffUser.email}),
    "portal_identity.entrypoints.schemas.ApiKeyCreate": (identity_orm.ApiKey, {}),
    "portal_identity.entrypoints.schemas.AccessEntry": (identity_orm.PropertyRole, {
        "contact_external_id": identity_orm.Contact.external_id}),
    "portal_identity.entrypoints.schemas.AccessSet": (identity_orm.PropertyRole, {}),
    "portal_config.entrypoints.schemas.CompanyCreate": (config_orm.Company, {}),
    "portal_config.entrypoints.schemas.CompanyUpdate": (config_orm.Company, {}),
    "portal_config.entrypoints.schemas.BranchCreate": (config_orm.Branch, {}),
    "portal_config.entrypoints.schemas.BranchUpdate": (config_orm.Branch, {}),
    "portal_notifications.entrypoints.schemas.WebhookEndpointCreate": (notifications_orm.WebhookEndpoint, {}),
    "portal_notifications.entrypoints.schemas.WebhookEndpointUpdate": (notifications_orm.WebhookEndpoint, {}),
    # billing's tables are Core tables; the texts inside an invoice's JSONB document (opportunities,
    # services, lines, payments) have their own Length limits and no VARCHAR to match.
    "portal_billing.entrypoints.schemas.InvoiceUpsert": (billing_orm.invoices, {
        "property_external_id": billing_orm.properties.c.external_id}),
    "portal_billing.entrypoints.schemas.CreditUpsert": (billing_orm.credits, {
        "property_external_id": billing_orm.properties.c.external_id}),
    # A payment stores no text the customer sends (the card's token goes to the processor, not a column).
    "portal_billing.entrypoints.payments_api.PaymentCreate": (billing_orm.payments, {}),
    "portal_billing.entrypoints.payments_api.InvoicesPaymentCreate": (billing_orm.payments, {}),
    "portal_billing.entrypoints.payments_api.PaymentMethodCreate": (billing_orm.payment_methods, {}),
    "portal_billing.entrypoints.payments_api.PaymentMethodUpdate": (billing_orm.payment_methods, {}),
    # A proposal's document lives in its versions; the texts inside JSONB (services, sales rep, links) have
    # their own Length limits and no VARCHAR to match.
    "portal_proposals.entrypoints.schemas.ProposalUpsert": (proposals_orm.proposals, {
        "name": proposals_orm.proposal_versions.c.name, "type": proposals_orm.proposal_versions.c.type,
        "property_external_id": proposals_orm.properties.c.external_id}),
    "portal_billing.entrypoints.autopay_api.AutopayEnrol": (billing_orm.autopay_enrolments, {}),
    # The optional services chosen are names matched against the version's (a JSONB list, no VARCHAR).
    "portal_proposals.entrypoints.signing_schemas.SignatureCreate": (proposals_evidence_orm.proposal_signatures, {}),
    # A visit's services are a JSONB list (each name Length-limited); its notes have their own table.
    "portal_visits.entrypoints.schemas.VisitUpsert": (visits_orm.visits, {
        "property_external_id": visits_orm.properties.c.external_id}),
    "portal_visits.entrypoints.schemas.VisitNoteEntry": (visits_orm.visit_notes, {}),
    # requests: the back office's issue (its comments and their attachments fill their own tables), a customer's.
    "portal_requests.entrypoints.schemas.RequestUpsert": (requests_orm.requests, {
        "property_external_id": requests_orm.properties.c.external_id}),
    "portal_requests.entrypoints.schemas.CommentIn": (requests_orm.comments, {}),
    "portal_requests.entrypoints.schemas.AttachmentIn": (requests_orm.attachments, {}),
    "portal_requests.entrypoints.schemas.RequestCreate": (requests_orm.requests, {}),
    "portal_requests.entrypoints.schemas.CommentCreate": (requests_orm.comments, {}),
}
# Fields whose bound is a domain rule rather than a Length (why each is safe).
DOMAIN_BOUNDED = {
    ("portal_config.entrypoints.schemas.BranchCreate", "slug"): "normalise_slug: 1–63 characters",
    ("portal_config.entrypoints.schemas.BranchUpdate", "slug"): "normalise_slug: 1–63 characters",
    ("portal_config.entrypoints.schemas.BranchCreate", "time_zone"): "check_time_zone: a known IANA name",
    ("portal_config.entrypoints.schemas.BranchUpdate", "time_zone"): "check_time_zone: a known IANA name",
    ("portal_proposals.entrypoints.schemas.ProposalUpsert", "type"): "OneOf: Work Order, Contract",
    ("portal_proposals.entrypoints.schemas.ProposalUpsert", "status"): "OneOf: the five back-office statuses",
    ("portal_proposals.entrypoints.signing_schemas.SignatureCreate", "mark_kind"): "OneOf: drawn, typed",
    ("portal_proposals.entrypoints.signing_schemas.SignatureCreate", "mark"):
        "read_mark: a PNG data URL (≤ 256 KB, stored as bytea) or a typed name of ≤ 100 characters (typed_name: 200)",
    ("portal_requests.entrypoints.schemas.RequestUpsert", "priority"): "Priority: High, Normal (Medium) or Low",
    ("portal_requests.entrypoints.schemas.RequestUpsert", "status"): "OneOf: Open or Closed",
    ("portal_requests.entrypoints.schemas.RequestCreate", "priority"): "Priority: High, Normal (Medium) or Low",
}


def _schemas(module_name: str):
    module = importlib.import_module(module_name)
    for name, value in vars(module).items():
        if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module_name:
            yield f"{module_name}.{name}", value


def _max_length(field: fields.Field) -> int | None:
    limits = [v.max for v in field.validators if isinstance(v, validate.Length) and v.max is not None]
    return min(limits) if limits else None


def length_problems(qualified: str, schema: type[Schema], model, renamed: dict) -> list[str]:
    """Each string field stored in a VARCHAR(n) must be limited to exactly n characters."""
    problems = []
    columns = {column.key: column for column in sa.inspect(model).columns}
    for name, field in schema._declared_fields.items():
        if not isinstance(field, fields.String) or (qualified, name) in DOMAIN_BOUNDED:
            continue
        column = renamed.get(name)
        if column is not None and not isinstance(column, sa.Column):
            column = column.property.columns[0]     # an ORM attribute; a Core table's column is used as it is
        column = column if column is not None else columns.get(name)
        length = getattr(getattr(column, "type", None), "length", None)
        if length is None:
            continue
        if _max_length(field) != length:
            problems.append(f"{qualified}.{name}: max length {_max_length(field)}, column "
                            f"{column.table.name}.{column.key} holds {length}")
    return problems


def test_every_write_schema_is_mapped_to_its_table():
    unmapped = [name for module in SCHEMA_MODULES for name, _ in _schemas(module)
                if name.rsplit(".", 1)[1].endswith(WRITE_SUFFIXES) and name not in WRITES]
    assert unmapped == [], "add these write schemas to WRITES with the model they fill"


@pytest.mark.parametrize("qualified", sorted(WRITES))
def test_string_fields_are_limited_to_their_columns_length(qualified):
    module_name, class_name = qualified.rsplit(".", 1)
    schema = getattr(importlib.import_module(module_name), class_name)
    model, renamed = WRITES[qualified]
    assert length_problems(qualified, schema, model, renamed) == []


def test_a_limit_looser_than_its_column_is_reported():
    class TooLoose(Schema):
        city = fields.String(validate=validate.Length(max=200))
        zip = fields.String()

    problems = length_problems("TooLoose", TooLoose, identity_orm.Property, {})
    assert problems == ["TooLoose.city: max length 200, column properties.city holds 100",
                        "TooLoose.zip: max length None, column properties.zip holds 20"]


def test_external_ids_in_identitys_paths_are_limited_to_their_column():
    from portal_identity.entrypoints.schemas import EXTERNAL_ID_MAX

    assert EXTERNAL_ID_MAX == identity_orm.Contact.external_id.property.columns[0].type.length
    assert EXTERNAL_ID_MAX == identity_orm.Property.external_id.property.columns[0].type.length


def test_external_ids_in_billings_paths_are_limited_to_their_column():
    assert billing_orm.EXTERNAL_ID_LENGTH == billing_orm.invoices.c.external_id.type.length
    assert billing_orm.EXTERNAL_ID_LENGTH == billing_orm.credits.c.external_id.type.length
