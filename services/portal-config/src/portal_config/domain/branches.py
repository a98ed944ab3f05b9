"""Rules about companies and branches, free of Flask and SQLAlchemy."""
from __future__ import annotations

import re
from zoneinfo import available_timezones

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Subdomains the platform keeps for itself.
RESERVED_SLUGS = frozenset({"www", "api", "admin", "app", "static", "assets", "mail", "status", "staff", "portal"})


class InvalidBranch(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def normalise_slug(raw: str) -> str:
    slug = raw.strip().lower()
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidBranch("slug", "Use 1–63 lowercase letters, digits or hyphens, not starting or ending with a hyphen.")
    if slug in RESERVED_SLUGS:
        raise InvalidBranch("slug", f"'{slug}' is reserved; choose another subdomain.")
    return slug


def check_time_zone(name: str) -> str:
    if name not in _time_zones():
        raise InvalidBranch("time_zone", f"'{name}' is not a known IANA time zone (e.g. America/Chicago).")
    return name


_ZONES: frozenset[str] | None = None


def _time_zones() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def portal_url(slug: str, *, base_domain: str, scheme: str) -> str:
    return f"{scheme}://{slug}.{base_domain}"
