"""What every page starts from: the branch comes from the gateway's signed identity, never from the URL."""
from __future__ import annotations

from flask import g

from portal_shared.errors import NotFound


def current_branch() -> dict:
    identity = g.get("identity") or {}
    if not identity.get("branch_id"):
        # Only reachable by bypassing the gateway: there is no portal without a branch.
        raise NotFound("No portal at this address.")
    return identity


def needs_a_branch() -> None:
    """Every portal blueprint's before_request: a 404 without a branch (and nothing returned, so the view runs)."""
    current_branch()
