"""Request and response schemas of identity's API. Rules with the seeds' messages run in the
service layer so every field error comes back in one answer, named by field."""
from marshmallow import Schema, fields, validate

from portal_shared.web.auth import INTEGRATION_SCOPES


# Each limit is its column's (adapters/orm.py); tests/unit/test_schema_lengths.py keeps them equal.
NAME = validate.Length(max=100)         # first_name, last_name, city, state
EMAIL = validate.Length(max=320)
EXTERNAL_ID_MAX = 100                   # contacts/properties.external_id, in the path
PASSWORD = fields.String(required=True, validate=validate.Length(max=1024))


class Credentials(Schema):
    email = fields.String(required=True, validate=EMAIL)
    password = PASSWORD


class SessionCreated(Schema):
    session_id = fields.String()
    contact_id = fields.String()
    staff_id = fields.String()


class SessionEnd(Schema):
    session_id = fields.String(required=True, validate=validate.Length(max=200))


class PropertyRead(Schema):
    property_id = fields.String()
    name = fields.String()
    street = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    zip = fields.String(allow_none=True)
    roles = fields.List(fields.String())


class ProfileRead(Schema):
    contact_id = fields.String()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    verified = fields.Boolean()
    properties = fields.List(fields.Nested(PropertyRead))


class ProfileUpdate(Schema):
    first_name = fields.String(validate=NAME)
    last_name = fields.String(validate=NAME)
    email = fields.String(validate=EMAIL)
    current_password = fields.String(validate=validate.Length(max=1024), load_only=True,
                                     metadata={"description": "required when the email changes"})


class PasswordChange(Schema):
    current_password = PASSWORD
    new_password = PASSWORD


class ResetRequest(Schema):
    email = fields.String(required=True, validate=EMAIL)


class ResetComplete(Schema):
    new_password = PASSWORD


class EmailRead(Schema):
    email = fields.String()


class InvitationRead(Schema):
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    company_name = fields.String()


class InvitationAccept(Schema):
    first_name = fields.String(required=True, validate=NAME)
    last_name = fields.String(required=True, validate=NAME)
    password = PASSWORD


class StaffRead(Schema):
    staff_id = fields.String()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    role = fields.String()
    permissions = fields.List(fields.String())
    branch_ids = fields.List(fields.String())


class ContactQuery(Schema):
    q = fields.String(validate=validate.Length(max=100))
    verified = fields.Boolean()
    contact_id = fields.List(fields.UUID(), validate=validate.Length(max=500),
                             metadata={"description": "only these contacts (repeatable), e.g. the ones selected"})


class ContactProperty(Schema):
    property_id = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())


class ContactRead(Schema):
    contact_id = fields.String()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    verified = fields.Boolean()
    invited_at = fields.DateTime(allow_none=True)
    properties = fields.List(fields.Nested(ContactProperty))


class TemplateRead(Schema):
    subject = fields.String()
    body = fields.String()
    link_description = fields.String()
    tokens = fields.List(fields.String())


class Recipient(Schema):
    contact_id = fields.UUID(required=True)
    email = fields.String(validate=EMAIL)


class InvitationSend(Schema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    recipients = fields.List(fields.Nested(Recipient), required=True, validate=validate.Length(min=1, max=500))


class InvitationResult(Schema):
    contact_id = fields.String()
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    status = fields.String()
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)


class InvitationResults(Schema):
    results = fields.List(fields.Nested(InvitationResult))


class InvitationBatchRead(Schema):
    """A bulk invitation: `pending` while the worker sends it, then `done` with every recipient's result."""

    batch_id = fields.String()
    status = fields.String(metadata={"enum": ["pending", "done"]})
    total = fields.Integer()
    done = fields.Integer()
    sent = fields.Integer()
    refused = fields.Integer()
    subject = fields.String()
    body = fields.String()
    results = fields.List(fields.Nested(InvitationResult))
    created_at = fields.AwareDateTime()
    completed_at = fields.AwareDateTime(allow_none=True)


class ApiKeyCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = fields.List(fields.String(validate=validate.OneOf(INTEGRATION_SCOPES)), required=True,
                         validate=validate.Length(min=1))


class ApiKeyRead(Schema):
    id = fields.String()
    name = fields.String()
    prefix = fields.String()
    scopes = fields.List(fields.String())
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    key = fields.String(metadata={"description": "shown once, at creation"})


class ContactUpsert(Schema):
    email = fields.String(required=True, validate=EMAIL)
    first_name = fields.String(load_default="", validate=NAME)
    last_name = fields.String(load_default="", validate=NAME)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class ContactUpserted(Schema):
    contact_id = fields.String()
    external_id = fields.String()
    email = fields.String()
    verified = fields.Boolean()


class PropertyUpsert(Schema):
    branch_slug = fields.String(required=True, validate=validate.Length(max=63))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    street = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    city = fields.String(load_default=None, allow_none=True, validate=NAME)
    state = fields.String(load_default=None, allow_none=True, validate=NAME)
    zip = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    account_owner_email = fields.String(load_default=None, allow_none=True, validate=EMAIL)
    operations_manager_email = fields.String(load_default=None, allow_none=True, validate=EMAIL)
    sales_rep_email = fields.String(load_default=None, allow_none=True, validate=EMAIL)


class PropertyUpserted(Schema):
    property_id = fields.String()
    external_id = fields.String()
    branch_id = fields.String()


class AccessEntry(Schema):
    contact_external_id = fields.String(required=True, validate=validate.Length(max=EXTERNAL_ID_MAX))
    roles = fields.List(fields.String(validate=validate.OneOf(["Primary", "Billing", "Other"])), required=True,
                        validate=validate.Length(min=1))


class AccessSet(Schema):
    access = fields.List(fields.Nested(AccessEntry), required=True)
