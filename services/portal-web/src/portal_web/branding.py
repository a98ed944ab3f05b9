"""What a branch's portal looks like and shows (`PortalSettingsV1`), and the in-memory copy of it.

`BrandingCache` holds every branch's settings, filled from portal-config's `/internal/settings`
snapshot and kept current by `portal_settings_updated` events (`adapters/settings_feed.py`), so
rendering a customer's page never calls portal-config. Each branch's copy carries its `version`:
an older or equal copy that arrives late is ignored.

`Branding` is one branch's settings after checking every value once, when it is stored: colours
must be `#rrggbb` (`#abc` and `aabbcc` are normalised), fonts must be keys of `FONT_STACKS`, links
and image addresses must be http(s) or a path on this host. A value that fails falls back to the
default (or, for a preview, to the saved value), so what reaches the page's `<style>` block and
its attributes is always something we checked, and Jinja still escapes every attribute.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from markupsafe import Markup

from portal_shared.events.portal_settings import (
    DEFAULT_COLOURS,
    DEFAULT_FONT,
    DEFAULT_INVITATION_BODY,
    DEFAULT_INVITATION_LINK_DESCRIPTION,
    DEFAULT_INVITATION_SUBJECT,
    FONT_STACKS,
    PAYMENT_TYPES,
    normalise_colour,
)

_SAFE_PATH = re.compile(r"/(?![/\\])[^\s<>\"'\\]*")
_SAFE_ABSOLUTE = re.compile(r"https?://[^\s<>\"'\\]+", re.IGNORECASE)


def safe_url(value: Any) -> str | None:
    """An address we are willing to put in `href`/`src`: http(s), or a path on this host. Never `javascript:`."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if len(value) > 2000:
        return None
    if _SAFE_PATH.fullmatch(value) or _SAFE_ABSOLUTE.fullmatch(value):
        return value
    return None


def _font(value: Any) -> str | None:
    return value if isinstance(value, str) and value in FONT_STACKS else None


def _text(value: Any, limit: int = 20000) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _fee(value: Any) -> str | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount > 100:
        return None
    return str(amount.quantize(Decimal("0.01")))


@dataclass(frozen=True)
class Slide:
    image_url: str
    caption: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class Branding:
    """One branch's settings, every value checked. The defaults are a new branch's (the settings
    vocabulary, portal_shared.events.portal_settings, which portal-config's `default_settings` uses), except the titles: empty here, they become the
    company's name (portal-config's defaults do the same), which a page knows and this object does not."""

    page_title: str = ""
    login_page_text: str | None = None
    login_logo_url: str | None = None
    display_font: str = DEFAULT_FONT
    input_font: str = DEFAULT_FONT
    background_color: str = DEFAULT_COLOURS["background_color"]
    border_color: str = DEFAULT_COLOURS["border_color"]
    nav_logo_url: str | None = None
    nav_title: str = ""
    nav_background_color: str = DEFAULT_COLOURS["nav_background_color"]
    nav_font_color: str = DEFAULT_COLOURS["nav_font_color"]
    button_background_color: str = DEFAULT_COLOURS["button_background_color"]
    button_font: str = DEFAULT_FONT
    button_font_color: str = DEFAULT_COLOURS["button_font_color"]
    dashboard_text: str | None = None
    dashboard_font: str = DEFAULT_FONT
    dashboard_font_color: str = DEFAULT_COLOURS["dashboard_font_color"]
    carousel: tuple[Slide, ...] = ()
    show_invoices: bool = True
    show_proposals: bool = True
    show_requests: bool = True
    show_visits: bool = True
    proposal_window_days: int | None = None
    show_service_details: bool = True
    show_sales_rep_phone: bool = True
    electronic_payments: bool = False
    accepted_payment_types: tuple[str, ...] = PAYMENT_TYPES
    partial_payments: bool = False
    card_convenience_fee_percent: str = "0.00"
    invitation_subject: str = DEFAULT_INVITATION_SUBJECT
    invitation_body: str = DEFAULT_INVITATION_BODY
    invitation_link_description: str = DEFAULT_INVITATION_LINK_DESCRIPTION
    version: int = 0  # 0: nothing saved yet, these are the defaults

    def shows(self, section: str) -> bool:
        return bool(getattr(self, f"show_{section}", False))

    @property
    def payments_enabled(self) -> bool:
        """Manage Payments appears once electronic payments are on (and the feature exists)."""
        return self.electronic_payments and bool(self.accepted_payment_types)

    def for_console(self) -> "Branding":
        """The staff console's look: this branch's logo and titles on the default, readable colours,
        so a branch's low-contrast choice never makes the console's own buttons unreadable."""
        return replace(self, **DEFAULT_COLOURS)

    def css(self) -> Markup:
        """The `:root` custom properties of this branch: only checked colours and FONT_STACKS' own stacks."""
        colours = {
            "--nav-bg": self.nav_background_color, "--nav-fg": self.nav_font_color,
            "--page-bg": self.background_color, "--border": self.border_color,
            "--button-bg": self.button_background_color, "--button-fg": self.button_font_color,
            "--dashboard-fg": self.dashboard_font_color,
        }
        fonts = {"--font": self.display_font, "--input-font": self.input_font, "--button-font": self.button_font,
                 "--dashboard-font": self.dashboard_font}
        parts = []
        for name, colour in colours.items():
            # from_settings lets nothing else through; checked again all the same, right where it is used.
            parts.append(f"{name}: {normalise_colour(colour) or '#000000'};")
        for name, font in fonts.items():
            parts.append(f"{name}: {FONT_STACKS.get(font, FONT_STACKS[DEFAULT_FONT])};")
        css = ":root { " + " ".join(parts) + " }"
        if "<" in css or ">" in css:  # cannot happen with the checks above; never end the <style> early
            raise ValueError("unexpected character in branding CSS")
        return Markup(css)

    @classmethod
    def from_settings(cls, raw: dict[str, Any] | None, base: "Branding | None" = None,
                      version: int | None = None) -> "Branding":
        """Settings as `PortalSettingsV1` carries them; any missing or invalid value keeps `base`'s."""
        base = base or DEFAULT_BRANDING
        raw = raw if isinstance(raw, dict) else {}
        values: dict[str, Any] = {}
        checks = {
            "page_title": lambda v: _text(v, 200), "nav_title": lambda v: _text(v, 200),
            "invitation_subject": lambda v: _text(v, 1000), "invitation_body": _text,
            "invitation_link_description": lambda v: _text(v, 500),
            "display_font": _font, "input_font": _font, "button_font": _font, "dashboard_font": _font,
            "background_color": normalise_colour, "border_color": normalise_colour,
            "nav_background_color": normalise_colour, "nav_font_color": normalise_colour,
            "button_background_color": normalise_colour, "button_font_color": normalise_colour,
            "dashboard_font_color": normalise_colour,
            "show_invoices": _bool, "show_proposals": _bool, "show_requests": _bool, "show_visits": _bool,
            "show_service_details": _bool, "show_sales_rep_phone": _bool, "electronic_payments": _bool,
            "partial_payments": _bool, "card_convenience_fee_percent": _fee,
        }
        for name, check in checks.items():
            if name in raw:
                checked = check(raw[name])
                if checked is not None:
                    values[name] = checked
        # Values that may be null on purpose (no text, no logo, no window).
        for name in ("login_page_text", "dashboard_text"):
            if name in raw and (raw[name] is None or isinstance(raw[name], str)):
                values[name] = raw[name][:20000] if raw[name] else None
        for name in ("login_logo_url", "nav_logo_url"):
            if name in raw:
                values[name] = safe_url(raw[name]) if raw[name] else None
        if "proposal_window_days" in raw:
            days = raw["proposal_window_days"]
            if days is None or (isinstance(days, int) and not isinstance(days, bool) and 0 <= days <= 3650):
                values["proposal_window_days"] = days
        if isinstance(raw.get("accepted_payment_types"), list):
            values["accepted_payment_types"] = tuple(t for t in PAYMENT_TYPES if t in raw["accepted_payment_types"])
        if isinstance(raw.get("carousel"), list):
            slides = []
            for item in raw["carousel"][:20]:
                if not isinstance(item, dict):
                    continue
                image = safe_url(item.get("image_url"))
                if image:
                    slides.append(Slide(image_url=image, caption=_text(item.get("caption"), 500) or None,
                                        link=safe_url(item.get("link"))))
            values["carousel"] = tuple(slides)
        if version is not None:
            values["version"] = version
        return replace(base, **values)


DEFAULT_BRANDING = Branding()


@dataclass
class BrandingCache:
    """Every branch's Branding, safe across threads. `loaded` is set once a snapshot has been applied."""

    _by_branch: dict[str, Branding] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    loaded: threading.Event = field(default_factory=threading.Event)

    def apply(self, branch_id: str, version: int, settings: dict[str, Any]) -> bool:
        """Keep this copy when it is newer than what we hold; returns whether it was kept."""
        if not branch_id or not isinstance(version, int) or isinstance(version, bool):
            return False
        branding = Branding.from_settings(settings, version=version)
        key = str(branch_id)
        with self._lock:
            current = self._by_branch.get(key)
            if current is not None and current.version >= version:
                return False
            self._by_branch[key] = branding
            return True

    def apply_data(self, data: dict[str, Any]) -> bool:
        """A `portal_settings_updated` event's data, or one row of the snapshot: {branch_id, version, settings}."""
        return self.apply(str(data.get("branch_id") or ""), data.get("version"), data.get("settings") or {})

    def load_snapshot(self, rows: list[dict[str, Any]]) -> int:
        applied = sum(1 for row in rows if isinstance(row, dict) and self.apply_data(row))
        self.loaded.set()
        return applied

    def for_branch(self, branch_id: str | None) -> Branding:
        """The branch's settings, or the defaults while it has none saved."""
        with self._lock:
            return self._by_branch.get(str(branch_id or ""), DEFAULT_BRANDING)

    def version_of(self, branch_id: str) -> int:
        return self.for_branch(branch_id).version

    def __len__(self) -> int:
        with self._lock:
            return len(self._by_branch)
