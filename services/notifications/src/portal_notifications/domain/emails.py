"""Which email an event produces: pure functions from event data to an `EmailDraft`. No I/O.

A draft names its template and the values the template needs; rendering it (Jinja2) and
storing it are the adapters' and service layer's business.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PORTAL_LIVE = "portal_live"


class UnsafeEventData(ValueError):
    """The event carries something we must not put in an email (e.g. a non-web link)."""


@dataclass(frozen=True)
class EmailDraft:
    template: str
    to_address: str
    subject: str
    context: dict[str, Any] = field(default_factory=dict)


def portal_live_email(branch: dict[str, Any]) -> EmailDraft | None:
    """The 'your portal is live' email for a new branch, or None when the company has no contact address."""
    to_address = (branch.get("company_contact_email") or "").strip()
    if not to_address:
        return None
    portal_url = branch["portal_url"]
    # The URL becomes a link in the HTML body; only web links may go there.
    if not portal_url.startswith(("https://", "http://")):
        raise UnsafeEventData(f"portal_url must be an http(s) URL, got {portal_url!r}")
    branch_name = _one_line(branch["name"])
    return EmailDraft(
        template=PORTAL_LIVE,
        to_address=to_address,
        subject=f"Your customer portal is live: {branch_name}",
        context={"company_name": branch["company_name"], "branch_name": branch_name, "portal_url": portal_url},
    )


def _one_line(text: str) -> str:
    # Names end up in a Subject header, where a line break would be a header injection.
    return " ".join(text.split())
