"""Which email an event produces: pure functions from event data to an `EmailDraft`. No I/O.

A draft names its template, its recipient (and who it is from, when that is not just us),
and the values the template needs; rendering it (Jinja2) and storing it are the adapters'
and service layer's business.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any

PORTAL_LIVE = "portal_live"
INVITATION = "invitation"
PASSWORD_RESET = "password_reset"
PASSWORD_CHANGED = "password_changed"
WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"

# Address columns hold 500 characters: a display name of at most this many characters (twice
# as many once quotes are escaped) plus an address of at most 254 always fits.
MAX_DISPLAY_NAME = 100
MAX_SUBJECT = 500


class UnsafeEventData(ValueError):
    """The event carries something we must not put in an email (e.g. a non-web link)."""


@dataclass(frozen=True)
class EmailDraft:
    template: str
    to_address: str
    subject: str
    context: dict[str, Any] = field(default_factory=dict)
    # Shown as the From display name, with the address of MAIL_FROM; None keeps MAIL_FROM as it is.
    from_name: str | None = None
    # Where replies go, e.g. to the staff user who sent an invitation; None: no Reply-To header.
    reply_to: str | None = None


def portal_live_email(branch: dict[str, Any]) -> EmailDraft | None:
    """The 'your portal is live' email for a new branch, or None when the company has no contact address."""
    to_address = (branch.get("company_contact_email") or "").strip()
    if not to_address:
        return None
    portal_url = _web_link(branch["portal_url"], "portal_url")
    branch_name = _one_line(branch["name"])
    return EmailDraft(
        template=PORTAL_LIVE,
        to_address=to_address,
        subject=f"Your customer portal is live: {branch_name}",
        context={"company_name": branch["company_name"], "branch_name": branch_name, "portal_url": portal_url},
    )


def invitation_email(invitation: dict[str, Any]) -> EmailDraft:
    """The invitation exactly as the staff user wrote it (identity has filled in its tokens).

    The staff user is the visible sender: their name on From (our address: we cannot send
    from their domain) and their address on Reply-To, so an answer reaches them.
    """
    link = _web_link(invitation["link"], "link")
    body_text = invitation["body_text"]
    if link not in body_text:
        # identity refuses a body without [CustomerPortalLink]; should one slip through anyway,
        # an invitation without its link would be useless, so it goes at the end.
        body_text = f"{body_text.rstrip()}\n\n{link}\n"
    sender = invitation["sender"]
    company_name = _one_line(invitation["company_name"])
    return EmailDraft(
        template=INVITATION,
        to_address=mailbox(invitation["to_name"], invitation["to_email"]),
        subject=_subject(invitation["subject"]),
        from_name=f"{_one_line(sender['name'])} via {company_name}",
        reply_to=mailbox(sender["name"], sender["email"]),
        context={
            "body_text": body_text,
            "link": link,
            "link_description": _one_line(invitation["link_description"]) or link,
            "company_name": company_name,
        },
    )


def password_reset_email(reset: dict[str, Any], *, requested_at: datetime) -> EmailDraft:
    """'Reset your password', with the single-use link and how long it works.

    The lifetime is counted from when the customer asked (`requested_at`, the event's time),
    so it reads "1 hour" as issued, however late the event is handled.
    """
    company_name = _one_line(reset["company_name"])
    expires_at = parse_time(reset["expires_at"])
    return EmailDraft(
        template=PASSWORD_RESET,
        to_address=mailbox(reset["to_name"], reset["to_email"]),
        subject=f"Reset your password: {company_name}",
        context={
            "to_name": _one_line(reset["to_name"]),
            "company_name": company_name,
            "link": _web_link(reset["link"], "link"),
            "expires_in": duration_in_words(expires_at - requested_at),
        },
    )


def password_changed_email(change: dict[str, Any]) -> EmailDraft:
    """'Your password was changed': when, that every session ended, and what to do if it was not them."""
    company_name = _one_line(change["company_name"])
    return EmailDraft(
        template=PASSWORD_CHANGED,
        to_address=mailbox(change["to_name"], change["to_email"]),
        subject=f"Your password was changed: {company_name}",
        context={
            "to_name": _one_line(change["to_name"]),
            "to_email": change["to_email"],
            "company_name": company_name,
            "portal_url": _web_link(change["portal_url"], "portal_url"),
            "changed_at": time_in_words(parse_time(change["changed_at"])),
            "how": change["how"],
        },
    )


def webhook_endpoint_disabled_email(*, to_address: str, company_name: str, endpoint_url: str, reason: str,
                                    failing_since: datetime | None) -> EmailDraft:
    """'We stopped sending webhooks to <url>': why, since when, and how to turn it back on."""
    company_name = _one_line(company_name)
    return EmailDraft(
        template=WEBHOOK_ENDPOINT_DISABLED,
        to_address=to_address.strip(),
        subject=f"Webhook endpoint disabled: {company_name}",
        context={
            "company_name": company_name,
            "endpoint_url": endpoint_url,
            "reason": _one_line(reason),
            "failing_since": time_in_words(failing_since) if failing_since else None,
        },
    )


# -- addresses -------------------------------------------------------------------------------

def mailbox(name: str | None, address: str) -> str:
    """`"Name" <address>` (quoted as needed), or just the address when there is no name."""
    display_name = _display_name(name)
    if not display_name:
        return address.strip()
    return str(Address(display_name=display_name, addr_spec=address.strip()))


def from_address(mail_from: str, display_name: str | None) -> str:
    """MAIL_FROM, or its address under another display name (e.g. "Alex Admin via Demo Landscaping")."""
    if not display_name:
        return mail_from
    address = parseaddr(mail_from)[1] or mail_from
    return mailbox(display_name, address)


def _display_name(name: str | None) -> str:
    text = _one_line(name or "")
    if len(text) > MAX_DISPLAY_NAME:
        text = text[:MAX_DISPLAY_NAME - 1].rstrip() + "…"
    return text


# -- words -----------------------------------------------------------------------------------

def parse_time(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise UnsafeEventData(f"time without a time zone: {value!r}")
    return moment


def duration_in_words(duration: timedelta) -> str:
    """'1 hour', '30 minutes', '2 days': the largest unit that says it without a fraction, nearly."""
    minutes = round(duration.total_seconds() / 60)
    if minutes <= 0:
        return "a few moments"
    if minutes % (24 * 60) == 0:
        return _count(minutes // (24 * 60), "day")
    if minutes % 60 == 0:
        return _count(minutes // 60, "hour")
    if minutes < 120:
        return _count(minutes, "minute")
    if minutes < 48 * 60:
        return _count(round(minutes / 60), "hour")
    return _count(round(minutes / (24 * 60)), "day")


def time_in_words(moment: datetime) -> str:
    """'1 May 2025 at 14:30 UTC'. Events carry no time zone of the customer's, so UTC, said so."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc:%B %Y} at {utc:%H:%M} UTC"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


# -- safety ----------------------------------------------------------------------------------

def _web_link(url: str, name: str) -> str:
    # The URL becomes a link in the HTML body; only web links may go there.
    url = url.strip()
    if not url.startswith(("https://", "http://")) or any(c.isspace() for c in url):
        raise UnsafeEventData(f"{name} must be an http(s) URL, got {url!r}")
    return url


def _subject(text: str) -> str:
    subject = _one_line(text)
    if len(subject) > MAX_SUBJECT:
        subject = subject[:MAX_SUBJECT - 1].rstrip() + "…"
    return subject


def _one_line(text: str) -> str:
    # Names end up in headers (Subject, From, To), where a line break would be a header injection.
    return " ".join(text.split())

