"""The invitation email template and its tokens. `[CustomerPortalLink]` is required: an
invitation without it would give the customer no way in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

# The tokens, the default texts and the missing-link message are the settings vocabulary that
# portal-config (the template's owner) and portal-web share (ADR 0016); identity only fills them in.
from portal_shared.events.portal_settings import (  # noqa: F401 (re-exported for identity's readers)
    DEFAULT_INVITATION_BODY as DEFAULT_BODY,
    DEFAULT_INVITATION_LINK_DESCRIPTION as DEFAULT_LINK_DESCRIPTION,
    DEFAULT_INVITATION_SUBJECT as DEFAULT_SUBJECT,
    INVITATION_TOKENS as TOKENS,
    LINK_TOKEN,
    MISSING_LINK_MESSAGE,
)

INVITATION_VALIDITY = timedelta(days=30)


@dataclass(frozen=True)
class InvitationTemplate:
    subject: str
    body: str
    link_description: str = DEFAULT_LINK_DESCRIPTION


def template_errors(template: InvitationTemplate) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not template.subject.strip():
        errors["subject"] = ["Enter a subject."]
    if LINK_TOKEN not in template.body:
        errors["body"] = [MISSING_LINK_MESSAGE]
    return errors


def render(text: str, values: dict[str, str]) -> str:
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def token_values(*, contact_first: str, contact_last: str, link: str, company: str, branch: str,
                 sender: str) -> dict[str, str]:
    full = f"{contact_first} {contact_last}".strip()
    return {"[ContactName]": full or "Customer", "[ContactFirstName]": contact_first or full or "Customer",
            LINK_TOKEN: link, "[CompanyName]": company, "[BranchName]": branch, "[SenderName]": sender}
