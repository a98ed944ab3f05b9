"""The shapes of Select & Sign and the verify page (entrypoints/signing_api.py)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from portal_proposals.adapters.evidence_orm import CONSENT_VERSION_LENGTH
from portal_proposals.domain import evidence as rules

NAME_LENGTH = 200        # an optional service's name (proposal_versions.optional_services[].name)
MAX_OPTIONAL_SERVICES = 100
# A PNG of the pad at most MAX_PNG_BYTES, base64 in a data URL (4/3 of it, and the prefix).
MAX_MARK_LENGTH = len(rules.DATA_URL_PREFIX) + (rules.MAX_PNG_BYTES * 4) // 3 + 4


class SigningSheetQuery(Schema):
    showing = fields.Boolean(load_default=False, metadata={
        "description": "true when the pad is shown to the customer: the disclosure shown goes on the audit trail."})


class SignatureCreate(Schema):
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata={
        "description": "The version the customer read (the sheet's): another one by now is 409 proposal_changed."})
    optional_services = fields.List(
        fields.String(validate=validate.Length(min=1, max=NAME_LENGTH)), load_default=list,
        validate=validate.Length(max=MAX_OPTIONAL_SERVICES),
        metadata={"description": "The names of the optional services ticked (demo #88: [\"Irrigation Audit\"])."})
    consent_version = fields.String(required=True, validate=validate.Length(min=1, max=CONSENT_VERSION_LENGTH),
                                    metadata={"description": "The version of the disclosure the customer read."})
    consent_accepted = fields.Boolean(required=True)
    mark_kind = fields.String(required=True, validate=validate.OneOf([rules.DRAWN, rules.TYPED]))
    mark = fields.String(required=True, validate=validate.Length(min=1, max=MAX_MARK_LENGTH), metadata={
        "description": "drawn: the pad's PNG as a data URL (data:image/png;base64,…); typed: the signer's name."})


class OptionalService(Schema):
    name = fields.String()
    visits = fields.Integer(allow_none=True)
    amount_cents = fields.Integer()


class Consent(Schema):
    version = fields.String()
    text = fields.String()


class Signature(Schema):
    signer_name = fields.String()
    signed_at = fields.AwareDateTime()
    total_cents = fields.Integer()
    chosen_optional_services = fields.List(fields.Nested(OptionalService))
    signed_pdf_sha256 = fields.String()


class SigningSheet(Schema):
    id = fields.String()
    number = fields.String()
    name = fields.String()
    title = fields.String()
    version = fields.Integer()
    status = fields.String()
    price_cents = fields.Integer()
    optional_services = fields.List(fields.Nested(OptionalService))
    may_sign = fields.Boolean()
    consent = fields.Nested(Consent)
    signature = fields.Nested(Signature, allow_none=True)


class SignatureStored(Schema):
    proposal_id = fields.String()
    number = fields.String()
    version = fields.Integer()
    signed_at = fields.AwareDateTime()
    signer_name = fields.String()
    chosen_optional_services = fields.List(fields.Nested(OptionalService))
    total_cents = fields.Integer()
    signed_pdf_sha256 = fields.String()


class VerifiedProposal(Schema):
    id = fields.String()
    number = fields.String()
    name = fields.String()
    version = fields.Integer()
    signed_at = fields.AwareDateTime()
    signer_name = fields.String()
    total_cents = fields.Integer()


class SealState(Schema):
    present = fields.Boolean()
    intact = fields.Boolean()
    whole_file = fields.Boolean()
    trusted = fields.Boolean()
    signer = fields.String(allow_none=True)


class Verification(Schema):
    sha256 = fields.String()
    matches_signed_proposal = fields.Boolean()
    proposal = fields.Nested(VerifiedProposal, allow_none=True)
    seal = fields.Nested(SealState)
    verified = fields.Boolean(metadata={"description": "It is a signed proposal, byte for byte, and its seal is good."})
