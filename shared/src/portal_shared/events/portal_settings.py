"""The vocabulary of a branch portal's settings, as every service that reads them must spell it.

portal-config owns the settings and their validation (`portal_config.domain.settings`); identity
fills invitations from them and portal-web renders portals and the staff form from them. What
crosses those services — field names, fonts, payment types, invitation tokens, the default texts
and colours of a new branch, and the one way a colour is written — is defined here, once, next to
`PortalSettingsV1` (contracts.py), and portal-config's rules build on it. Nothing here decides
whether a value is acceptable: that stays portal-config's (messages, lengths, contrast).

See docs/adr/0016-settings-vocabulary.md.
"""
from __future__ import annotations

import re
from typing import Any

# -- fields ------------------------------------------------------------------------------------

COLOUR_FIELDS = ("background_color", "border_color", "nav_background_color", "nav_font_color",
                 "button_background_color", "button_font_color", "dashboard_font_color")
FONT_FIELDS = ("display_font", "input_font", "button_font", "dashboard_font")

# -- fonts ---------------------------------------------------------------------------------------

# The fonts a portal may use, each with a stack that renders on every device (portal-config
# validates a choice, portal-web renders it).
FONT_STACKS: dict[str, str] = {
    "Open Sans": '"Open Sans", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "Arial": "Arial, Helvetica, sans-serif",
    "Helvetica": '"Helvetica Neue", Helvetica, Arial, sans-serif',
    "Verdana": "Verdana, Geneva, sans-serif",
    "Tahoma": "Tahoma, Verdana, Geneva, sans-serif",
    "Trebuchet MS": '"Trebuchet MS", "Lucida Grande", sans-serif',
    "Segoe UI": '"Segoe UI", system-ui, -apple-system, Roboto, sans-serif',
    "System UI": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
    "Georgia": 'Georgia, "Times New Roman", serif',
    "Times New Roman": '"Times New Roman", Times, serif',
    "Garamond": 'Garamond, Baskerville, "Baskerville Old Face", serif',
    "Courier New": '"Courier New", Courier, monospace',
}
DEFAULT_FONT = "Open Sans"

# -- payments ------------------------------------------------------------------------------------

PAYMENT_TYPES = ("card", "ach")

# -- the invitation email ------------------------------------------------------------------------

LINK_TOKEN = "[CustomerPortalLink]"
# The tokens identity replaces in an invitation, in the order the staff console offers them.
INVITATION_TOKENS = ("[ContactName]", "[ContactFirstName]", LINK_TOKEN, "[CompanyName]", "[BranchName]",
                     "[SenderName]")
# Both portal-config (saving the template) and identity (sending an edited one) refuse a body
# without the link, with these words.
MISSING_LINK_MESSAGE = "The email must include [CustomerPortalLink] so the customer can create their account."
DEFAULT_INVITATION_SUBJECT = "[ContactName], you've been invited to the Customer Portal!"
DEFAULT_INVITATION_BODY = """Hello [ContactFirstName],

[CompanyName] invites you to its Customer Portal, where you can view proposals, pay invoices,
see your visits and send us requests, all in one place.

Create your account here: [CustomerPortalLink]

The link works once and expires in 30 days.

[SenderName]
[CompanyName] – [BranchName]"""
DEFAULT_INVITATION_LINK_DESCRIPTION = "Create your Customer Portal account"

# -- a new branch's look -------------------------------------------------------------------------

# Readable colours (every text/background pair is above 4.5:1). The staff console always uses
# them, whatever a branch picks, so staff can read their own tools.
DEFAULT_COLOURS: dict[str, str] = {
    "background_color": "#ffffff",
    "border_color": "#d0d7de",
    "nav_background_color": "#1b5e20",
    "nav_font_color": "#ffffff",
    "button_background_color": "#2e7d32",
    "button_font_color": "#ffffff",
    "dashboard_font_color": "#1f2a1e",
}
DEFAULT_FONTS: dict[str, str] = {name: DEFAULT_FONT for name in FONT_FIELDS}

# -- colours -------------------------------------------------------------------------------------

_COLOUR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def normalise_colour(raw: Any) -> str | None:
    """`#ABC`, `abc`, `#aabbcc`, `AABBCC` (spaces around ignored) → `#aabbcc`; anything else None."""
    if not isinstance(raw, str):
        return None
    match = _COLOUR.fullmatch(raw.strip())
    if match is None:
        return None
    digits = match.group(1).lower()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


assert set(DEFAULT_COLOURS) == set(COLOUR_FIELDS)
