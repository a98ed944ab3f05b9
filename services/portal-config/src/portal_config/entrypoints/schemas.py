"""Request and response schemas of the admin API (validated at the edge)."""
from marshmallow import Schema, fields, validate

NAME = validate.Length(min=1, max=200)


class CompanyCreate(Schema):
    name = fields.String(required=True, validate=NAME)
    contact_email = fields.Email(load_default=None, allow_none=True)


class CompanyUpdate(Schema):
    name = fields.String(validate=NAME)
    contact_email = fields.Email(allow_none=True)


class CompanyRead(Schema):
    id = fields.String()
    name = fields.String()
    contact_email = fields.String(allow_none=True)
    created_at = fields.DateTime()


class BranchCreate(Schema):
    slug = fields.String(required=True, metadata={"description": "the subdomain: <slug>.<base domain>"})
    name = fields.String(required=True, validate=NAME)
    time_zone = fields.String(required=True, metadata={"example": "America/Chicago"})
    enabled = fields.Boolean(load_default=True)


class BranchUpdate(Schema):
    slug = fields.String()
    name = fields.String(validate=NAME)
    time_zone = fields.String()
    enabled = fields.Boolean()


class BranchRead(Schema):
    branch_id = fields.String()
    company_id = fields.String()
    company_name = fields.String()
    company_contact_email = fields.String(allow_none=True)
    slug = fields.String()
    name = fields.String()
    enabled = fields.Boolean()
    time_zone = fields.String()
    portal_url = fields.String()
    revision = fields.Integer()
