"""A request's vocabulary and rules, as the seeds word them: status Open or Closed, priority High, Normal or
Low (the back office's and the seeds' "Medium" is Normal), the title "number: subject". Pure."""
from __future__ import annotations

from typing import Any

from portal_shared.errors import ValidationFailed

OPEN, CLOSED = "Open", "Closed"
SHOW = {"open": OPEN, "closed": CLOSED}
PRIORITIES = ("High", "Normal", "Low")
PRIORITY_WORDS = {"high": "High", "normal": "Normal", "medium": "Normal", "low": "Low"}


def priority(word: str) -> str | None:
    """The priority a word names (any case; "Medium" is Normal), or None."""
    return PRIORITY_WORDS.get(str(word).strip().lower())


def title(number: str, subject: str) -> str:
    return f"{number}: {subject}" if subject else str(number)


def check_dates(doc: dict[str, Any]) -> None:
    """A completed date only on a closed request, and never before it was created."""
    completed = doc.get("completed_at")
    if completed is None:
        return
    if doc["status"] != CLOSED:
        raise ValidationFailed("A completed date needs status Closed.", errors={
            "completed_at": ["Only a Closed request has a completed date."]})
    if completed < doc["created_at"]:
        raise ValidationFailed("Completed before it was created.", errors={
            "completed_at": ["Must not be before created_at."]})
