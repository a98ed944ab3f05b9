"""Request and response schemas of the admin API (validated at the edge)."""
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from portal_config.domain.branches import InvalidBranch, check_time_zone, normalise_slug

# Each limit is its column's (adapters/orm.py); tests/structure/test_schema_lengths.py keeps them equal.
NAME = validate.Length(min=1, max=200)
EMAIL = validate.Length(max=320)


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
    contact_email = fields.Email(load_default=None, allow_none=True, validate=EMAIL)


class CompanyUpdate(Schema):
    name = fields.String(validate=NAME)
    contact_email = fields.Email(allow_none=True, validate=EMAIL)


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


# -- portal settings -----------------------------------------------------------------------------

def _form_field(description: str, example=None):
    metadata = {"description": description}
    if example is not None:
        metadata["example"] = example
    return fields.Raw(allow_none=True, metadata=metadata)


class SettingsForm(Schema):
    """Any subset of the form; what is left out keeps its value. Rules are checked in the domain
    (domain/settings.py) so that one answer names every bad field; these fields only document."""

    class Meta:
        unknown = INCLUDE  # reported by the domain as "Unknown field." next to the other errors

    expected_version = _form_field("optional: the version you edited; 409 version_conflict if it moved on", 3)
    enabled = _form_field("the branch portal is on (branch row; publishes branch_updated)", True)
    slug = _form_field("the subdomain (branch row; publishes branch_updated)", "demo")
    page_title = _form_field("browser tab title, 1–100 characters, one line")
    login_page_text = _form_field("text under the login logo, ≤ 1000, or null")
    login_logo_asset_id = _form_field("an uploaded login_logo/nav_logo asset id, or null")
    display_font = _form_field("one of GET /settings/options fonts", "Open Sans")
    input_font = _form_field("font of input fields", "Open Sans")
    background_color = _form_field("#aabbcc, aabbcc, #abc or abc; stored as #rrggbb", "#f5f7f4")
    border_color = _form_field("table and input borders", "#c8d3c5")
    nav_logo_asset_id = _form_field("an uploaded login_logo/nav_logo asset id, or null")
    nav_title = _form_field("navigation bar title, ≤ 100 characters, may be empty")
    nav_background_color = _form_field("colour", "#1b5e20")
    nav_font_color = _form_field("colour (contrast with nav_background_color checked)", "#ffffff")
    button_background_color = _form_field("colour", "#2e7d32")
    button_font = _form_field("font", "Open Sans")
    button_font_color = _form_field("colour (contrast with button_background_color checked)", "#ffffff")
    dashboard_text = _form_field("dashboard text, ≤ 1000, or null")
    dashboard_font = _form_field("font", "Open Sans")
    dashboard_font_color = _form_field("colour (contrast with background_color checked)", "#1f2a1e")
    carousel = _form_field("≤ 10 slides in display order: [{asset_id (carousel asset), caption ≤ 200 or null, "
                           "link http(s) URL or null}]")
    show_invoices = _form_field("boolean", True)
    show_proposals = _form_field("boolean", True)
    show_requests = _form_field("boolean", True)
    show_visits = _form_field("boolean", True)
    proposal_window_days = _form_field("null (all open proposals) or 1–365", 30)
    show_service_details = _form_field("boolean", True)
    show_sales_rep_phone = _form_field("boolean", True)
    electronic_payments = _form_field("boolean", True)
    accepted_payment_types = _form_field('["card"], ["ach"] or ["card", "ach"]; one at least while electronic '
                                         "payments are on", ["card", "ach"])
    partial_payments = _form_field("boolean", False)
    card_convenience_fee_percent = _form_field("0–10, two decimals, for CARD payments only (never ACH)", "3.00")
    invitation_subject = _form_field("one line ≤ 200; tokens allowed")
    invitation_body = _form_field("≤ 5000; must contain [CustomerPortalLink]")
    invitation_link_description = _form_field("text of the link in the email, ≤ 200")


class SettingsOptionsRead(Schema):
    fonts = fields.List(fields.Dict(), metadata={"description": "[{name, stack}]"})
    tokens = fields.List(fields.String())
    required_body_token = fields.String()
    payment_types = fields.List(fields.String())
    max_slides = fields.Integer()
    proposal_window_days = fields.Dict(metadata={"description": "{min, max}"})
    card_convenience_fee_percent = fields.Dict(metadata={"description": "{min, max, decimals, applies_to}"})
    max_lengths = fields.Dict(metadata={"description": "{field: characters}"})
    minimum_contrast = fields.Float()


class SettingsRead(Schema):
    branch_id = fields.String()
    version = fields.Integer()
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime()
    portal_url = fields.String()
    settings = fields.Dict(metadata={"description": "the form: enabled, slug, every setting, plus read-only "
                                                    "login_logo_url, nav_logo_url and carousel[].image_url"})
    warnings = fields.List(fields.Dict(), metadata={"description": "low contrast: {code, fields, ratio, minimum, "
                                                                   "message}"})


class SettingsCheckRead(Schema):
    errors = fields.Dict(metadata={"description": "{field: [messages]}; empty when the form would save"})
    warnings = fields.List(fields.Dict())
    settings = fields.Dict(metadata={"description": "the form as it would be saved (normalised)"})


class SettingsVersionRead(Schema):
    version = fields.Integer()
    changed_by = fields.String(allow_none=True, metadata={"description": "staff id; null for operator or seed"})
    changed_by_name = fields.String(allow_none=True)
    changed_at = fields.DateTime()
    changes = fields.Dict(metadata={"description": '{field: {"from": old, "to": new}}'})


class SettingsVersionDetail(SettingsVersionRead):
    settings = fields.Dict()


class SettingsSnapshotRead(Schema):
    branch_id = fields.String()
    version = fields.Integer()
    settings = fields.Dict(metadata={"description": "PortalSettingsV1"})


class AssetRead(Schema):
    asset_id = fields.String()
    url = fields.String(metadata={"example": "/api/portal-config/assets/0b9d…"})
    kind = fields.String()
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    size = fields.Integer()
    sha256 = fields.String()
    created_at = fields.DateTime()
