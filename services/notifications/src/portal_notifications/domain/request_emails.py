"""Which emails a request's events produce: pure functions from event data to `EmailDraft`s. No I/O.

- `request_created`: one email to each staff member the event names (the property's account owner and
  operations manager), with the request's subject, priority, description and who opened it;
- `request_commented`: one to the property's account owner, with the comment;
- `request_replied`: one to the customer who opened the request, with the public reply.
"""
from __future__ import annotations

from typing import Any

from portal_notifications.domain.emails import EmailDraft, _one_line, _subject, mailbox, time_in_words, parse_time

REQUEST_CREATED = "request_created"
REQUEST_COMMENTED = "request_commented"
REQUEST_REPLIED = "request_replied"
ROLE_WORDS = {"account_owner": "account owner", "operations_manager": "operations manager"}


def _request(data: dict[str, Any]) -> dict[str, Any]:
    return {"number": _one_line(str(data["number"])), "subject": _one_line(data["subject"]),
            "priority": data["priority"], "property_name": _one_line(data["property_name"])}


def request_created_emails(data: dict[str, Any]) -> list[tuple[str, EmailDraft]]:
    """[(role, draft)]: one per staff member to tell (the role keeps two emails of one event apart)."""
    request = _request(data)
    opened_by = data["opened_by"]
    drafts = []
    for person in data["notify"]:
        drafts.append((person["role"], EmailDraft(
            template=REQUEST_CREATED,
            to_address=mailbox(person["name"], person["email"]),
            subject=_subject(f"New request {request['number']} on {request['property_name']}: {request['subject']}"),
            context={**request, "to_name": _one_line(person["name"]), "role": ROLE_WORDS[person["role"]],
                     "description": data["description"], "opened_by": _one_line(opened_by["name"]),
                     "opened_by_email": opened_by["email"], "attachments": data["attachments"],
                     "created_at": time_in_words(parse_time(data["created_at"]))},
            reply_to=mailbox(opened_by["name"], opened_by["email"]),
        )))
    return drafts


def request_commented_emails(data: dict[str, Any]) -> list[tuple[str, EmailDraft]]:
    request = _request(data)
    author = data["author"]
    return [(person["role"], EmailDraft(
        template=REQUEST_COMMENTED,
        to_address=mailbox(person["name"], person["email"]),
        subject=_subject(f"New comment on request {request['number']}: {request['subject']}"),
        context={**request, "to_name": _one_line(person["name"]), "text": data["text"],
                 "author": _one_line(author["name"]), "author_email": author["email"],
                 "attachments": data["attachments"], "commented_at": time_in_words(parse_time(data["commented_at"]))},
        reply_to=mailbox(author["name"], author["email"]),
    )) for person in data["notify"]]


def request_replied_email(data: dict[str, Any]) -> EmailDraft:
    request = _request(data)
    to = data["to"]
    return EmailDraft(
        template=REQUEST_REPLIED,
        to_address=mailbox(to["name"], to["email"]),
        subject=_subject(f"Reply to your request {request['number']}: {request['subject']}"),
        context={**request, "to_name": _one_line(to["name"]), "text": data["text"],
                 "author": _one_line(data["author"])},
    )
