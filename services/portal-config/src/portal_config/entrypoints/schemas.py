"""Request and response schemas of the admin API (validated at the edge)."""
from marshmallow import Schema, ValidationError, fields, validate

from portal_config.domain.branches import InvalidBranch, check_time_zone, normalise_slug

NAME = validate.Length(min=1, max=200)


def _domain_rule(rule):
    """Run a domain rule at the edge, so every invalid field is reported in one answer."""
    def check(value):
        try:
            rule(value)
        except InvalidBranch as error:
            raise ValidationError(error.message) from None
    return check


SLUG = _domain_rule(normalise_slug)
TIME_ZONE = _domain_rule(check_time_zone)


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
    slug = fields.String(required=True, validate=SLUG,
                         metadata={"description": "the subdomain: <slug>.<base domain>", "example": "north"})
    name = fields.String(required=True, validate=NAME)
    time_zone = fields.String(required=True, validate=TIME_ZONE, metadata={"example": "America/Chicago"})
    enabled = fields.Boolean(load_default=True)


class BranchUpdate(Schema):
    slug = fields.String(validate=SLUG)
    name = fields.String(validate=NAME)
    time_zone = fields.String(validate=TIME_ZONE)
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
