"""Proposals (seed 002 "The Proposals Section", seed 003 "Proposals Screen", "Proposal Details Screen"):
the list and one proposal."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from portal_web.adapters.proposals import proposals
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.entrypoints.portal import open_section, whole_number

bp = Blueprint("proposals", __name__)
bp.before_request(needs_a_branch)

SHOW = {"all": "All", "pending": "Pending", "accepted": "Accepted", "rejected": "Rejected"}


@bp.get("/proposals")
def proposal_list():
    """The list: Show (All, Pending, Accepted, Rejected) as links, "N of M", by estimated start date, a page
    of rows "Proposal #N: name" with property, price, sent date and status."""
    shell, refused = open_section("proposals")
    if shell is None:
        return refused
    show = request.args.get("show") if request.args.get("show") in SHOW else "all"
    page = proposals().proposals(show=show, page=whole_number(request.args.get("page")),
                                 property_ids=shell.selected_ids or None)
    return render_template("proposals.html", me=shell.me, shell=shell, show=show, shows=SHOW, page=page)


@bp.get("/proposals/<uuid:proposal_id>")
def proposal_detail(proposal_id):
    """One proposal: property and address, status, sent date, price, Services (or one lump sum), Optional
    Services, total, Service Contact, Associated with, and View Proposal (proposals' PDF through the gateway)."""
    shell, refused = open_section("proposals")
    if shell is None:
        return refused
    proposal = proposals().proposal(str(proposal_id))  # not the customer's: ProposalsError(404), the 404 page
    return render_template("proposal.html", me=shell.me, shell=shell, proposal=proposal)
