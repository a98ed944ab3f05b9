"""A branch portal's settings: what each field accepts, the defaults, contrast warnings, and the
shapes the settings take (stored, edited, published). Free of Flask, SQLAlchemy and Pillow.

The *form* is what the configuration screen edits: every settings field plus the branch's own
`enabled` flag and subdomain (`slug`), which live on the branch row. Settings refer to uploaded
images by asset id (`login_logo_asset_id`, `nav_logo_asset_id`, carousel `asset_id`); readers
get URLs (`/api/portal-config/assets/<id>`, see `to_contract`).

Payments: `card_convenience_fee_percent` (0–10, two decimals) is added to **card** payments
only. It never applies to ACH/eCheck payments; billing computes the fee (portal_billing.domain.fees).
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from portal_config.domain.assets import asset_url
from portal_config.domain.branches import InvalidBranch, normalise_slug
from portal_config.domain.colours import (
    MINIMUM_CONTRAST,
    InvalidColour,
    contrast_ratio,
    shown_ratio,
)
from portal_config.domain.colours import normalise_colour as _colour_rule
from portal_shared.events.portal_settings import (
    COLOUR_FIELDS,
    DEFAULT_COLOURS,
    DEFAULT_FONTS,
    DEFAULT_INVITATION_BODY,
    DEFAULT_INVITATION_LINK_DESCRIPTION,
    DEFAULT_INVITATION_SUBJECT,
    FONT_FIELDS,
    FONT_STACKS,
    LINK_TOKEN,
    MISSING_LINK_MESSAGE,
    PAYMENT_TYPES,
)
from portal_shared.events.portal_settings import INVITATION_TOKENS as TOKENS

# -- the fields ----------------------------------------------------------------------------------

SETTINGS_FIELDS = (
    "page_title", "login_page_text", "login_logo_asset_id",
    "display_font", "input_font", "background_color", "border_color",
    "nav_logo_asset_id", "nav_title", "nav_background_color", "nav_font_color",
    "button_background_color", "button_font", "button_font_color",
    "dashboard_text", "dashboard_font", "dashboard_font_color",
    "carousel",
    "show_invoices", "show_proposals", "show_requests", "show_visits", "proposal_window_days",
    "show_service_details", "show_sales_rep_phone",
    "electronic_payments", "accepted_payment_types", "partial_payments", "card_convenience_fee_percent",
    "invitation_subject", "invitation_body", "invitation_link_description",
)
BRANCH_FIELDS = ("enabled", "slug")
FORM_FIELDS = BRANCH_FIELDS + SETTINGS_FIELDS
# Shown next to the ids for previews; accepted on input (so a form can be sent back) and ignored.
READ_ONLY_FIELDS = frozenset({"login_logo_url", "nav_logo_url"})
FLAG_FIELDS = ("show_invoices", "show_proposals", "show_requests", "show_visits", "show_service_details",
               "show_sales_rep_phone", "electronic_payments", "partial_payments")
ASSET_FIELDS = ("login_logo_asset_id", "nav_logo_asset_id")

MAX_SLIDES = 10
PROPOSAL_WINDOW_DAYS = (1, 365)
FEE_RANGE = (Decimal("0"), Decimal("10"))
LENGTHS = {
    "page_title": 100, "login_page_text": 1000, "nav_title": 100, "dashboard_text": 1000,
    "invitation_subject": 200, "invitation_body": 5000, "invitation_link_description": 200,
    "caption": 200, "link": 500,
}

DAYS_MESSAGE = "Enter a number of days from 1 to 365, or leave it empty."
FEE_MESSAGE = "Enter a percentage from 0 to 10 with at most two decimals."
FONT_MESSAGE = "Choose one of the offered fonts."
FLAG_MESSAGE = "Choose true or false."
PAYMENT_TYPES_MESSAGE = "Choose card and/or ach."
NO_PAYMENT_TYPE_MESSAGE = "Choose at least one payment type while electronic payments are on."
ASSET_MESSAGE = "Choose an uploaded image (its asset_id)."
LINK_MESSAGE = "Enter a link starting with https:// or http://."
UNKNOWN_FIELD = "Unknown field."

class InvalidSetting(ValueError):
    """One or more refused fields: {field (or `carousel.<i>.<key>`): [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def _fail(key: str, message: str) -> InvalidSetting:
    return InvalidSetting({key: [message]})


# -- one field at a time -------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TOKEN = re.compile(r"\[[A-Za-z]+\]")


def _string(key: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _fail(key, "Enter text.")
    return raw


def _single_line(max_len: int, required: str | None):
    """A one-line text (titles, the email subject: a line break there could forge headers)."""
    def check(key: str, raw: Any) -> str:
        if raw is None and required is None:
            return ""
        text = _string(key, raw).strip()
        if required and not text:
            raise _fail(key, required)
        if _CONTROL.search(text):
            raise _fail(key, "Keep it on one line.")
        if len(text) > max_len:
            raise _fail(key, f"Use at most {max_len} characters.")
        return text
    return check


def _text(max_len: int):
    """An optional multi-line text; empty means none."""
    def check(key: str, raw: Any) -> str | None:
        if raw is None:
            return None
        text = _string(key, raw).replace("\r\n", "\n").strip()
        if len(text) > max_len:
            raise _fail(key, f"Use at most {max_len} characters.")
        return text or None
    return check


def _unknown_tokens(text: str) -> list[str]:
    return sorted({t for t in _TOKEN.findall(text) if t not in TOKENS})


def _template(base, *, needs_link: bool):
    def check(key: str, raw: Any) -> str:
        text = base(key, raw)
        messages = []
        if needs_link and LINK_TOKEN not in text:
            messages.append(MISSING_LINK_MESSAGE)
        unknown = _unknown_tokens(text)
        if unknown:
            messages.append(f"Unknown token {', '.join(unknown)}; use {', '.join(TOKENS)}.")
        if messages:
            raise InvalidSetting({key: messages})
        return text
    return check


def _required_text(max_len: int, required: str):
    inner = _text(max_len)

    def check(key: str, raw: Any) -> str:
        text = inner(key, raw)
        if not text:
            raise _fail(key, required)
        return text
    return check


def _colour(key: str, raw: Any) -> str:
    try:
        return _colour_rule(raw)
    except InvalidColour as error:
        raise _fail(key, error.message) from None


def normalise_font(raw: Any) -> str:
    """A font of FONT_STACKS, matched without regard to case; ValueError otherwise."""
    if isinstance(raw, str):
        wanted = raw.strip().casefold()
        for name in FONT_STACKS:
            if name.casefold() == wanted:
                return name
    raise ValueError(FONT_MESSAGE)


def _font(key: str, raw: Any) -> str:
    try:
        return normalise_font(raw)
    except ValueError:
        raise _fail(key, FONT_MESSAGE) from None


def _flag(key: str, raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise _fail(key, FLAG_MESSAGE)
    return raw


def normalise_days(raw: Any) -> int | None:
    """Proposal window: empty (show every open proposal) or a whole number of days, 1–365."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValueError(DAYS_MESSAGE)
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if not isinstance(raw, int) or not PROPOSAL_WINDOW_DAYS[0] <= raw <= PROPOSAL_WINDOW_DAYS[1]:
        raise ValueError(DAYS_MESSAGE)
    return raw


def _days(key: str, raw: Any) -> int | None:
    try:
        return normalise_days(raw)
    except ValueError:
        raise _fail(key, DAYS_MESSAGE) from None


def normalise_fee(raw: Any) -> str:
    """Card convenience fee percent, 0–10 with at most two decimals, stored as "3.00"."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise ValueError(FEE_MESSAGE)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(FEE_MESSAGE) from None
    if not value.is_finite() or not FEE_RANGE[0] <= value <= FEE_RANGE[1]:
        raise ValueError(FEE_MESSAGE)
    cents = value.quantize(Decimal("0.01"))
    if cents != value:
        raise ValueError(FEE_MESSAGE)
    return str(cents)


def _fee(key: str, raw: Any) -> str:
    try:
        return normalise_fee(raw)
    except ValueError:
        raise _fail(key, FEE_MESSAGE) from None


def _payment_types(key: str, raw: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(t, str) and t in PAYMENT_TYPES for t in raw):
        raise _fail(key, PAYMENT_TYPES_MESSAGE)
    return [t for t in PAYMENT_TYPES if t in raw]


def normalise_asset_id(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise ValueError(ASSET_MESSAGE) from None


def _asset(key: str, raw: Any) -> str | None:
    try:
        return normalise_asset_id(raw)
    except ValueError:
        raise _fail(key, ASSET_MESSAGE) from None


def _link(key: str, raw: Any) -> str | None:
    if raw is None:
        return None
    text = _string(key, raw).strip()
    if not text:
        return None
    if len(text) > LENGTHS["link"]:
        raise _fail(key, f"Use at most {LENGTHS['link']} characters.")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or _CONTROL.search(text) or " " in text:
        raise _fail(key, LINK_MESSAGE)
    return text


_caption = _single_line(LENGTHS["caption"], None)
SLIDE_KEYS = ("asset_id", "caption", "link")


def _carousel(key: str, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise _fail(key, "Give a list of slides.")
    if len(raw) > MAX_SLIDES:
        raise _fail(key, f"Use at most {MAX_SLIDES} slides.")
    errors: dict[str, list[str]] = {}
    slides = []
    for index, slide in enumerate(raw):
        where = f"{key}.{index}"
        if not isinstance(slide, Mapping):
            errors[where] = ["Give each slide an asset_id, a caption and a link."]
            continue
        for extra in sorted(set(slide) - set(SLIDE_KEYS) - {"image_url"}):
            errors[f"{where}.{extra}"] = [UNKNOWN_FIELD]
        clean: dict[str, Any] = {}
        for part, rule in (("asset_id", _asset), ("caption", _caption), ("link", _link)):
            try:
                clean[part] = rule(f"{where}.{part}", slide.get(part))
            except InvalidSetting as error:
                errors.update(error.errors)
        if "asset_id" in clean and clean["asset_id"] is None:
            errors[f"{where}.asset_id"] = ["Upload an image for this slide."]
        if "caption" in clean:
            clean["caption"] = clean["caption"] or None
        slides.append(clean)
    if errors:
        raise InvalidSetting(errors)
    return slides


def _slug(key: str, raw: Any) -> str:
    if not isinstance(raw, str):
        raise _fail(key, "Enter a subdomain.")
    try:
        return normalise_slug(raw)
    except InvalidBranch as error:
        raise _fail(key, error.message) from None


VALIDATORS = {
    "enabled": _flag,
    "slug": _slug,
    "page_title": _single_line(LENGTHS["page_title"], "Enter a page title."),
    "login_page_text": _text(LENGTHS["login_page_text"]),
    "login_logo_asset_id": _asset,
    "nav_logo_asset_id": _asset,
    "nav_title": _single_line(LENGTHS["nav_title"], None),
    "dashboard_text": _text(LENGTHS["dashboard_text"]),
    "carousel": _carousel,
    "proposal_window_days": _days,
    "accepted_payment_types": _payment_types,
    "card_convenience_fee_percent": _fee,
    "invitation_subject": _template(_single_line(LENGTHS["invitation_subject"], "Enter a subject."),
                                    needs_link=False),
    "invitation_body": _template(_required_text(LENGTHS["invitation_body"], "Enter the email body."),
                                 needs_link=True),
    "invitation_link_description": _single_line(LENGTHS["invitation_link_description"],
                                                "Enter the text of the link."),
    **{name: _colour for name in COLOUR_FIELDS},
    **{name: _font for name in FONT_FIELDS},
    **{name: _flag for name in FLAG_FIELDS},
}
assert set(VALIDATORS) == set(FORM_FIELDS), set(VALIDATORS) ^ set(FORM_FIELDS)


# -- the whole form ------------------------------------------------------------------------------

CONTRAST_PAIRS = (
    ("nav_font_color", "nav_background_color", "Navigation bar text", "navigation bar background"),
    ("button_font_color", "button_background_color", "Button text", "button background"),
    ("dashboard_font_color", "background_color", "Dashboard text", "page background"),
)


@dataclass
class Checked:
    """The form after `changes` were applied: normalised where valid, as sent where not."""

    form: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def check_form(changes: Mapping[str, Any], current: Mapping[str, Any]) -> Checked:
    """Validate `changes` (any subset of FORM_FIELDS) over the `current` form, naming every bad field."""
    form = dict(current)
    errors: dict[str, list[str]] = {}
    for key, raw in changes.items():
        if key in READ_ONLY_FIELDS:
            continue
        rule = VALIDATORS.get(key)
        if rule is None:
            errors[key] = [UNKNOWN_FIELD]
            continue
        try:
            form[key] = rule(key, raw)
        except InvalidSetting as error:
            errors.update(error.errors)
            form[key] = raw
    if ("accepted_payment_types" not in errors and "electronic_payments" not in errors
            and form.get("electronic_payments") is True and not form.get("accepted_payment_types")):
        errors["accepted_payment_types"] = [NO_PAYMENT_TYPE_MESSAGE]
    return Checked(form=form, errors=errors, warnings=contrast_warnings(form, skip=errors))


def contrast_warnings(form: Mapping[str, Any], skip: Collection[str] = ()) -> list[dict[str, Any]]:
    """A warning for every text/background pair below 4.5:1 (WCAG AA for normal text)."""
    warnings = []
    for fg, bg, fg_label, bg_label in CONTRAST_PAIRS:
        if fg in skip or bg in skip:
            continue
        ratio = contrast_ratio(form[fg], form[bg])
        if ratio < MINIMUM_CONTRAST:
            shown = shown_ratio(ratio)
            warnings.append({
                "code": "low_contrast", "fields": [fg, bg], "ratio": shown, "minimum": MINIMUM_CONTRAST,
                "message": f"{fg_label} ({form[fg]}) on the {bg_label} ({form[bg]}) has a contrast ratio of "
                           f"{shown:.2f}:1; use at least {MINIMUM_CONTRAST}:1 so everyone can read it.",
            })
    return warnings


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"from": old, "to": new}} for every form field that differs."""
    return {name: {"from": before.get(name), "to": after.get(name)}
            for name in FORM_FIELDS if before.get(name) != after.get(name)}


def split_form(form: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(branch fields, settings fields) of a form."""
    return ({k: form[k] for k in BRANCH_FIELDS if k in form}, {k: form[k] for k in SETTINGS_FIELDS})


# -- defaults and shapes -------------------------------------------------------------------------

def default_settings(company_name: str) -> dict[str, Any]:
    """What a new branch's portal starts with: readable colours, everything shown, no payments."""
    name = " ".join(company_name.split())
    return {
        "page_title": f"{name} Customer Portal"[:LENGTHS["page_title"]].strip(),
        "login_page_text": None,
        "login_logo_asset_id": None,
        **DEFAULT_FONTS,
        **DEFAULT_COLOURS,
        "nav_logo_asset_id": None,
        "nav_title": name[:LENGTHS["nav_title"]].strip(),
        "dashboard_text": None,
        "carousel": [],
        "show_invoices": True,
        "show_proposals": True,
        "show_requests": True,
        "show_visits": True,
        "proposal_window_days": None,
        "show_service_details": True,
        "show_sales_rep_phone": True,
        "electronic_payments": False,
        "accepted_payment_types": list(PAYMENT_TYPES),
        "partial_payments": False,
        "card_convenience_fee_percent": "0.00",
        "invitation_subject": DEFAULT_INVITATION_SUBJECT,
        "invitation_body": DEFAULT_INVITATION_BODY,
        "invitation_link_description": DEFAULT_INVITATION_LINK_DESCRIPTION,
    }


def with_urls(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings plus the URLs of their images, for the configuration screen's preview."""
    view = dict(settings)
    view["login_logo_url"] = asset_url(settings["login_logo_asset_id"])
    view["nav_logo_url"] = asset_url(settings["nav_logo_asset_id"])
    view["carousel"] = [{**slide, "image_url": asset_url(slide["asset_id"])} for slide in settings["carousel"]]
    return view


def to_contract(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings as `PortalSettingsV1` (what portal_settings_updated and the snapshot carry)."""
    data = {k: v for k, v in settings.items() if k not in ASSET_FIELDS and k != "carousel"}
    data["login_logo_url"] = asset_url(settings["login_logo_asset_id"])
    data["nav_logo_url"] = asset_url(settings["nav_logo_asset_id"])
    data["carousel"] = [{"image_url": asset_url(s["asset_id"]), "caption": s["caption"], "link": s["link"]}
                        for s in settings["carousel"]]
    return data


def options() -> dict[str, Any]:
    """What the configuration screen offers: fonts, tokens, payment types and limits."""
    return {
        "fonts": [{"name": name, "stack": stack} for name, stack in FONT_STACKS.items()],
        "tokens": list(TOKENS), "required_body_token": LINK_TOKEN, "payment_types": list(PAYMENT_TYPES),
        "max_slides": MAX_SLIDES, "proposal_window_days": {"min": PROPOSAL_WINDOW_DAYS[0], "max": PROPOSAL_WINDOW_DAYS[1]},
        "card_convenience_fee_percent": {"min": str(FEE_RANGE[0]), "max": str(FEE_RANGE[1]), "decimals": 2,
                                         "applies_to": ["card"]},
        "max_lengths": dict(LENGTHS), "minimum_contrast": MINIMUM_CONTRAST,
    }
