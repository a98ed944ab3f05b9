"""The invitation email template and its tokens. `[CustomerPortalLink]` is required: an
invitation without it would give the customer no way in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

INVITATION_VALIDITY = timedelta(days=30)
LINK_TOKEN = "[CustomerPortalLink]"
TOKENS = ("[ContactName]", "[ContactFirstName]", LINK_TOKEN, "[CompanyName]", "[BranchName]", "[SenderName]")
MISSING_LINK_MESSAGE = "The email must include [CustomerPortalLink] so the customer can create their account."

DEFAULT_SUBJECT = "[ContactName], you've been invited to the Customer Portal!"
DEFAULT_BODY = """Hello [ContactFirstName],

[CompanyName] invites you to its Customer Portal, where you can view proposals, pay invoices,
see your visits and send us requests, all in one place.

Create your account here: [CustomerPortalLink]

The link works once and expires in 30 days.

[SenderName]
[CompanyName] – [BranchName]"""
DEFAULT_LINK_DESCRIPTION = "Create your Customer Portal account"


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
