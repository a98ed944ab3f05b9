"""Colours of a portal: the forms a person may type, the one form we store, and WCAG contrast.

Accepted: `#aabbcc`, `aabbcc`, `#abc`, `abc` in any case (surrounding spaces ignored).
Stored: lowercase `#rrggbb` (the spelling is the settings contract's `normalise_colour`, shared with
portal-web; refusing anything else, with this service's message, is this module's). Contrast follows WCAG 2.x: the ratio of the relative luminances
(L1 + 0.05) / (L2 + 0.05), lighter over darker; 4.5:1 is the minimum for normal text (AA).
"""
from __future__ import annotations

import math

from portal_shared.events.portal_settings import normalise_colour as _contract_colour

COLOUR_MESSAGE = "Enter a colour like #1b5e20."
MINIMUM_CONTRAST = 4.5

class InvalidColour(ValueError):
    def __init__(self) -> None:
        super().__init__(COLOUR_MESSAGE)
        self.message = COLOUR_MESSAGE


def normalise_colour(raw: object) -> str:
    """`#ABC`, `abc`, `#aabbcc`, `AABBCC` → `#aabbcc`; anything else raises InvalidColour."""
    colour = _contract_colour(raw)
    if colour is None:
        raise InvalidColour()
    return colour


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a normalised `#rrggbb` colour (0 black … 1 white)."""
    channels = []
    for start in (1, 3, 5):
        c = int(colour[start:start + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two normalised colours, from 1.0 (same) to 21.0 (black on white)."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def shown_ratio(ratio: float) -> float:
    """The ratio as we show it: rounded *down* to two decimals, so 4.499 never reads as 4.5."""
    return math.floor(ratio * 100) / 100
