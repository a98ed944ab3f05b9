"""The customer portal's pages. The branch comes from the gateway's signed identity, never from the URL."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from portal_shared.errors import NotFound

bp = Blueprint("pages", __name__)


def current_branch() -> dict:
    identity = g.get("identity") or {}
    if not identity.get("branch_id"):
        # Only reachable by bypassing the gateway: there is no portal without a branch.
        raise NotFound("No portal at this address.")
    return identity


@bp.get("/")
def home():
    branch = current_branch()
    return render_template("home.html", branch=branch)
