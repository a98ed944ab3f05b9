"""The staff settings form (seed 001's Customer Portal configuration screen) and its translations:
portal-config's settings → the form, the form → portal-config's input body, the form → the
`PortalSettingsV1` shape a preview renders, and portal-config's field errors → the form's fields.

portal-config decides what is valid (and normalises colours), so every message a staff member sees
about a value is portal-config's, next to the field it names; this form only caps lengths at
portal-config's own limits (GET /settings/options `max_lengths`). A colour is a text field
(`#aabbcc`, `aabbcc`, `#abc`) with a native colour picker beside it; the picker only wins when the
text was left as it was.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import Form
from wtforms.fields import BooleanField, FieldList, FormField, HiddenField, RadioField, SelectField, StringField, \
    TextAreaField
from wtforms.validators import Length

from portal_shared.events.portal_settings import (COLOUR_FIELDS, FONT_FIELDS, FONT_STACKS, LINK_TOKEN, PAYMENT_TYPES,
                                                  normalise_colour)
from portal_web.branding import Branding

FONT_CHOICES = [(name, name) for name in FONT_STACKS]
SHOW_FIELDS = ("show_requests", "show_proposals", "show_visits", "show_invoices")
LOGOS = {"login_logo": "login_logo", "nav_logo": "nav_logo"}  # form prefix → asset kind
FORM_MAX_SLIDES = 50  # portal-config allows 10 and names more ("Use at most 10 slides."): let it say so
IMAGE_TYPES = "image/png,image/jpeg,image/webp"  # what portal-config accepts (≤ 2 MB)
SAMPLE_CONTACT = ("John", "Smith")

# portal-config's names for what the form shows elsewhere.
ERROR_ALIASES = {
    "login_logo_asset_id": "login_logo_file", "login_logo_url": "login_logo_file",
    "nav_logo_asset_id": "nav_logo_file", "nav_logo_url": "nav_logo_file",
    "accepted_payment_types": "accept_card", "carousel": "new_slide_file", "file": "new_slide_file",
}
SLIDE_ERROR_ALIASES = {"asset_id": "caption", "image_url": "caption"}


def _text(label: str, limit: int, **render_kw) -> StringField:
    return StringField(label, validators=[Length(max=limit)], render_kw=render_kw or None)


def _colour(label: str) -> StringField:
    return StringField(label, validators=[Length(max=20)],
                       render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none",
                                  "maxlength": 7, "class": "colour"})


def _font(label: str) -> SelectField:
    return SelectField(label, choices=FONT_CHOICES, validate_choice=False)


class SlideForm(Form):
    asset_id = HiddenField()
    image_url = HiddenField()
    caption = _text("Caption", 200)
    link = _text("Link", 500, inputmode="url", placeholder="https://", spellcheck="false", autocapitalize="none")
    position = _text("Position", 3, inputmode="numeric")
    remove = BooleanField("Remove this slide")


class PortalSettingsForm(FlaskForm):
    expected_version = HiddenField()  # the version being edited: a save over someone else's answers 409
    # Customer Portal
    enabled = BooleanField("Enable Customer Portal")
    slug = _text("Customer Portal domain", 63, spellcheck="false", autocapitalize="none", autocomplete="off")
    page_title = _text("Page title", 100)
    # Invitation email
    invitation_link_description = _text("Customer Portal link description", 200)
    invitation_subject = _text("Invitation email subject", 200)
    invitation_body = TextAreaField("Invitation email body", validators=[Length(max=5000)], render_kw={"rows": 12})
    # Login page
    login_logo_asset_id = HiddenField()
    login_logo_url = HiddenField()
    login_logo_file = FileField("Login page logo", render_kw={"accept": IMAGE_TYPES})
    login_logo_remove = BooleanField("Remove the login page logo")
    login_page_text = TextAreaField("Page text", validators=[Length(max=1000)], render_kw={"rows": 3})
    # General
    display_font = _font("Display font")
    input_font = _font("Input field font")
    background_color = _colour("Background color")
    border_color = _colour("Border color")
    # Navigation bar
    nav_logo_asset_id = HiddenField()
    nav_logo_url = HiddenField()
    nav_logo_file = FileField("Navigation bar logo", render_kw={"accept": IMAGE_TYPES})
    nav_logo_remove = BooleanField("Remove the navigation bar logo")
    nav_title = _text("Navigation bar title", 100)
    nav_background_color = _colour("Navigation bar background color")
    nav_font_color = _colour("Navigation bar font color")
    # Buttons
    button_background_color = _colour("Button background color")
    button_font = _font("Button font")
    button_font_color = _colour("Button font color")
    # Dashboard
    dashboard_text = TextAreaField("Dashboard text", validators=[Length(max=1000)], render_kw={"rows": 3})
    dashboard_font = _font("Dashboard font")
    dashboard_font_color = _colour("Dashboard font color")
    carousel = FieldList(FormField(SlideForm), min_entries=0, max_entries=FORM_MAX_SLIDES)
    new_slide_file = FileField("Slide image", render_kw={"accept": IMAGE_TYPES})
    new_slide_caption = _text("Caption of the new slide", 200)
    new_slide_link = _text("Link of the new slide", 500, inputmode="url", placeholder="https://",
                           spellcheck="false", autocapitalize="none")
    # What customers see
    show_requests = BooleanField("Show Requests")
    show_proposals = BooleanField("Show Proposals")
    show_visits = BooleanField("Show Visits")
    show_invoices = BooleanField("Show Invoices")
    proposal_window_days = _text("Show only proposals starting within this many days", 10, inputmode="numeric")
    show_service_details = RadioField("Services on proposals and invoices", default="details", choices=[
        ("details", "Show each service with its price"), ("lump_sum", "Show a lump sum of the services")])
    show_sales_rep_phone = BooleanField("Show the sales rep's phone number")
    # Payments
    electronic_payments = BooleanField("Accept electronic payments in the portal")
    accept_card = BooleanField("Credit and debit cards")
    accept_ach = BooleanField("ACH bank transfers")
    partial_payments = BooleanField("Allow partial payments of an invoice")
    card_convenience_fee_percent = _text("Card convenience fee (%)", 10, inputmode="decimal")


# -- portal-config → form -----------------------------------------------------------------------

def settings_of(answer: dict) -> dict:
    """The settings in one of portal-config's answers (`{settings, version, ...}`, or the settings themselves)."""
    settings = answer.get("settings") if isinstance(answer.get("settings"), dict) else answer
    return settings if isinstance(settings, dict) else {}


def form_data(answer: dict, defaults: Branding) -> dict:
    """Form values for portal-config's GET answer ({version, settings: the form}); anything missing shows the defaults."""
    settings = settings_of(answer)
    merged = Branding.from_settings(settings, base=defaults)

    def value(name: str) -> Any:
        return settings.get(name) if settings.get(name) is not None else getattr(merged, name, None)

    data: dict[str, Any] = {
        "expected_version": str(answer["version"]) if isinstance(answer.get("version"), int) else "",
        "enabled": bool(settings.get("enabled", False)),
        "slug": settings.get("slug") or "",
        "page_title": settings.get("page_title") or "",
        "invitation_link_description": value("invitation_link_description"),
        "invitation_subject": value("invitation_subject"),
        "invitation_body": value("invitation_body"),
        "login_logo_asset_id": settings.get("login_logo_asset_id") or "",
        "login_logo_url": settings.get("login_logo_url") or "",
        "login_page_text": settings.get("login_page_text") or "",
        "nav_logo_asset_id": settings.get("nav_logo_asset_id") or "",
        "nav_logo_url": settings.get("nav_logo_url") or "",
        "nav_title": settings.get("nav_title") or "",
        "dashboard_text": settings.get("dashboard_text") or "",
        "proposal_window_days": "" if merged.proposal_window_days is None else str(merged.proposal_window_days),
        "show_service_details": "details" if merged.show_service_details else "lump_sum",
        "show_sales_rep_phone": merged.show_sales_rep_phone,
        "electronic_payments": merged.electronic_payments,
        **{f"accept_{kind}": kind in merged.accepted_payment_types for kind in PAYMENT_TYPES},
        "partial_payments": merged.partial_payments,
        "card_convenience_fee_percent": merged.card_convenience_fee_percent,
        "carousel": [{"asset_id": s.get("asset_id") or "", "image_url": s.get("image_url") or s.get("url") or "",
                      "caption": s.get("caption") or "", "link": s.get("link") or "", "position": str(i + 1)}
                     for i, s in enumerate(settings.get("carousel") or []) if isinstance(s, dict)],
    }
    for name in COLOUR_FIELDS + FONT_FIELDS:
        data[name] = getattr(merged, name)
    for name in SHOW_FIELDS:
        data[name] = getattr(merged, name)
    return data


# -- form → portal-config's input body ----------------------------------------------------------

def resolve_colour(text: str | None, picker: str | None, initial: str | None) -> str:
    """The text field, unless only the picker was changed (a browser without JavaScript sends both)."""
    text = (text or "").strip()
    picked, before = normalise_colour(picker), normalise_colour(initial)
    if picked and before and picked != before and normalise_colour(text) == before:
        return picked
    return text


def read_colours(form: PortalSettingsForm, formdata) -> None:
    for name in COLOUR_FIELDS:
        field = form[name]
        field.data = resolve_colour(field.data, formdata.get(f"{name}__picker"), formdata.get(f"{name}__initial"))


def _optional(text: str | None) -> str | None:
    text = (text or "").strip()
    return text or None


def slides(form: PortalSettingsForm) -> list[dict]:
    """The slides kept, in the order of their positions (ties keep the order they were in)."""
    kept = []
    for index, entry in enumerate(form.carousel.entries):
        slide = entry.form
        if slide.remove.data or not (slide.asset_id.data or slide.image_url.data):
            continue
        raw = (slide.position.data or "").strip()
        position = int(raw) if raw.isdigit() else index + 1
        kept.append((position, index, {"asset_id": slide.asset_id.data or "", "image_url": slide.image_url.data or "",
                                       "caption": slide.caption.data or "", "link": slide.link.data or ""}))
    return [s for _p, _i, s in sorted(kept, key=lambda t: (t[0], t[1]))]


def set_slides(form: PortalSettingsForm, items: list[dict]) -> None:
    """Show these slides, numbered 1..n, so portal-config's `carousel.<n>` errors land on the right one."""
    form.carousel.entries = []
    form.carousel.last_index = -1
    for number, item in enumerate(items[:FORM_MAX_SLIDES], start=1):
        form.carousel.append_entry({**item, "position": str(number), "remove": False})


def input_body(form: PortalSettingsForm) -> dict:
    """portal-config's form: PortalSettingsV1's fields with asset ids for images, plus enabled and slug.
    Days and fee go as typed (portal-config reads "30" and "2.5", and names what it cannot read)."""
    days = (form.proposal_window_days.data or "").strip()
    fee = (form.card_convenience_fee_percent.data or "").strip().rstrip("%").strip() or "0"
    version = (form.expected_version.data or "").strip()
    body: dict[str, Any] = {
        "enabled": bool(form.enabled.data),
        "slug": (form.slug.data or "").strip().lower(),
        "page_title": (form.page_title.data or "").strip(),
        "invitation_link_description": (form.invitation_link_description.data or "").strip(),
        "invitation_subject": (form.invitation_subject.data or "").strip(),
        "invitation_body": form.invitation_body.data or "",
        "login_logo_asset_id": None if form.login_logo_remove.data else _optional(form.login_logo_asset_id.data),
        "login_page_text": _optional(form.login_page_text.data),
        "nav_logo_asset_id": None if form.nav_logo_remove.data else _optional(form.nav_logo_asset_id.data),
        "nav_title": (form.nav_title.data or "").strip(),
        "dashboard_text": _optional(form.dashboard_text.data),
        "carousel": [{"asset_id": s["asset_id"], "caption": _optional(s["caption"]), "link": _optional(s["link"])}
                     for s in slides(form)],
        "proposal_window_days": (int(days) if days.isdigit() else days) or None,
        "show_service_details": form.show_service_details.data != "lump_sum",
        "show_sales_rep_phone": bool(form.show_sales_rep_phone.data),
        "electronic_payments": bool(form.electronic_payments.data),
        "accepted_payment_types": [kind for kind in PAYMENT_TYPES if form[f"accept_{kind}"].data],
        "partial_payments": bool(form.partial_payments.data),
        "card_convenience_fee_percent": fee,
    }
    for name in COLOUR_FIELDS:
        body[name] = (form[name].data or "").strip()
    for name in FONT_FIELDS:
        body[name] = form[name].data
    for name in SHOW_FIELDS:
        body[name] = bool(form[name].data)
    if version.isdigit():
        body["expected_version"] = int(version)
    return body


def preview_settings(form: PortalSettingsForm) -> dict:
    """The form as `PortalSettingsV1` would carry it, for a preview (images by their current addresses)."""
    body = input_body(form)
    body.pop("expected_version", None)
    if not isinstance(body["proposal_window_days"], int):
        body["proposal_window_days"] = None
    body["login_logo_url"] = None if form.login_logo_remove.data else _optional(form.login_logo_url.data)
    body["nav_logo_url"] = None if form.nav_logo_remove.data else _optional(form.nav_logo_url.data)
    body["carousel"] = [{"image_url": s["image_url"], "caption": _optional(s["caption"]), "link": _optional(s["link"])}
                        for s in slides(form) if s["image_url"]]
    try:
        body["card_convenience_fee_percent"] = str(Decimal(body["card_convenience_fee_percent"]))
    except InvalidOperation:
        body.pop("card_convenience_fee_percent")
    for name in COLOUR_FIELDS:  # an unfinished colour keeps the saved one rather than breaking the preview
        body[name] = normalise_colour(body[name])
    return {k: v for k, v in body.items() if v is not None or k in ("login_logo_url", "nav_logo_url", "login_page_text",
                                                                    "dashboard_text", "proposal_window_days")}


# -- portal-config's errors → the form ------------------------------------------------------------

def take_normalised(form: PortalSettingsForm, checked: dict, errors: dict) -> None:
    """Show the values as portal-config would save them (#ABC → #aabbcc, " Demo " → "demo") where valid."""
    for name in (*COLOUR_FIELDS, "slug"):
        value = checked.get(name)
        if name not in errors and isinstance(value, str):
            form[name].data = value


def place_errors(form: PortalSettingsForm, errors: dict[str, list[str]]) -> list[str]:
    """Each message next to the field it names; returns the messages that name no field."""
    unplaced: list[str] = []
    for name, messages in (errors or {}).items():
        field = None
        parts = name.split(".")
        if parts[0] == "carousel" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            sub = SLIDE_ERROR_ALIASES.get(parts[2] if len(parts) > 2 else "caption", parts[2] if len(parts) > 2 else "")
            if index < len(form.carousel.entries):
                field = form.carousel.entries[index].form._fields.get(sub or "caption")
        elif name not in ("csrf_token", "_schema"):
            field = form._fields.get(ERROR_ALIASES.get(parts[0], parts[0]))
            if isinstance(field, FieldList):
                field = None
        if field is None:
            unplaced.extend(messages)
            continue
        field.errors = [*field.errors, *messages]
    return unplaced


def error_summary(form: PortalSettingsForm) -> list[tuple[str, str, str]]:
    """(field id, label, message) for every field with an error, in the order of the form."""
    found = []
    for field in form:
        if field.name == "csrf_token":
            continue
        if isinstance(field, FieldList):
            for number, entry in enumerate(field.entries, start=1):
                for sub in entry.form:
                    for message in sub.errors:
                        found.append((sub.id, f"Slide {number}: {sub.label.text}", message))
            continue
        for message in field.errors if isinstance(field.errors, (list, tuple)) else []:
            found.append((field.id, field.label.text, message))
    return found


def normalise_warnings(raw: Any) -> list[dict]:
    """portal-config's warnings as [{message, field}]; it may send strings or objects naming fields."""
    warnings = []
    for item in raw or []:
        if isinstance(item, str):
            warnings.append({"message": item, "field": None})
        elif isinstance(item, dict) and item.get("message"):
            field = item.get("field") or (item.get("fields") or [None])[0]
            warnings.append({"message": str(item["message"]), "field": field if isinstance(field, str) else None})
    return warnings


# -- the invitation's rendered example ------------------------------------------------------------

def token_values(*, company: str, branch: str, sender: str) -> dict[str, str]:
    first, last = SAMPLE_CONTACT
    return {"[ContactName]": f"{first} {last}", "[ContactFirstName]": first, "[CompanyName]": company,
            "[BranchName]": branch, "[SenderName]": sender}


def render_example(subject: str, body: str, link_description: str, values: dict[str, str]) -> dict[str, Any]:
    """The email as the sample contact would read it; the link token shows as its description."""
    def fill(text: str) -> str:
        for token, value in values.items():
            text = text.replace(token, value)
        return text

    link = Markup('<span class="email-example__link">{}</span>').format(link_description or "Customer Portal")
    rendered_body = escape(fill(body or "")).replace(LINK_TOKEN, link)
    return {"subject": fill(subject or "").replace(LINK_TOKEN, link_description or ""),
            "body": Markup(rendered_body)}
