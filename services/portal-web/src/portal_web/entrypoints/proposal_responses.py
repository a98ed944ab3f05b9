"""Decline and Request Changes (issue 9 part 6, docs/adr/0025): from the proposal page, a small form with a
comment, for a contact who may sign a Pending proposal:

    GET/POST /proposals/<id>/decline           Decline, saying why
    GET/POST /proposals/<id>/request-changes   Request Changes, saying what

proposals decides who may answer and that a version is answered once; this module shows its answers. Plain
forms with CSRF, no script.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template

from portal_web import messages
from portal_web.adapters.proposal_signing import SigningError, SigningUnavailable, proposal_signing
from portal_web.adapters.proposals import proposals
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.entrypoints.portal import open_section
from portal_web.entrypoints.proposal_signing import _unavailable, _version
from portal_web.errors import message_page
from portal_web.forms import ProposalResponseForm, apply_api_errors

bp = Blueprint("proposal_responses", __name__)
bp.before_request(needs_a_branch)

# action → (page title and button, the comment's label, hint, the thank-you)
ACTIONS = {
    "decline": ("Decline", "Why are you declining this proposal?",
                "Your service contact reads this. The proposal will show as Declined.", messages.PROPOSAL_DECLINED),
    "request-changes": ("Request Changes", "What would you like changed?",
                        "Your service contact reads this and can send you a new version.", messages.CHANGES_REQUESTED),
}
REFUSALS = {"already_responded": messages.ALREADY_RESPONDED, "already_signed": messages.ALREADY_SIGNED,
            "proposal_changed": messages.PROPOSAL_CHANGED_RESPOND, "may_not_sign": messages.MAY_NOT_RESPOND,
            "not_signable": messages.NOT_RESPONDABLE}


def _respond_page(proposal_id, action: str):
    shell, refused = open_section("proposals")
    if shell is None:
        return refused
    proposal_id = str(proposal_id)
    back = (f"/proposals/{proposal_id}", "Back to the proposal")
    proposal = proposals().proposal(proposal_id)   # not the customer's: ProposalsError(404), the 404 page
    title, label, hint, thanks = ACTIONS[action]
    if not proposal.get("may_respond", proposal.get("may_sign")):
        if proposal.get("response"):
            return message_page(409, f"Not sent", messages.ALREADY_RESPONDED, link=back)
        return message_page(403, "Not sent", messages.MAY_NOT_RESPOND if proposal.get("status") == "Pending"
                            else messages.NOT_RESPONDABLE, link=back)
    form = ProposalResponseForm(data={"version": proposal.get("version")})
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate_on_submit():
            try:
                proposal_signing().respond(proposal_id, action=action, version=_version(form.version.data, proposal),
                                           comment=form.comment.data.strip())
            except SigningError as error:
                if error.status == 401:
                    return redirect("/login")
                if error.status == 404:
                    return message_page(404, "Proposal not found", messages.NO_SUCH_PROPOSAL,
                                        link=("/proposals", "Back to Proposals"))
                if error.status != 422:
                    return message_page(error.status if error.status in (403, 409) else 409, "Not sent",
                                        REFUSALS.get(error.code) or error.detail or messages.NOT_RESPONDABLE, link=back)
                form.form_errors.extend(apply_api_errors(form, error.errors))
            except SigningUnavailable:
                return _unavailable()
            else:
                flash(thanks, "success")
                return redirect(f"/proposals/{proposal_id}", code=303)
    return render_template("proposal_respond.html", me=shell.me, shell=shell, proposal=proposal, form=form,
                           action=action, title=title, label=label, hint=hint), status


@bp.route("/proposals/<uuid:proposal_id>/decline", methods=["GET", "POST"])
def decline(proposal_id):
    return _respond_page(proposal_id, "decline")


@bp.route("/proposals/<uuid:proposal_id>/request-changes", methods=["GET", "POST"])
def request_changes(proposal_id):
    return _respond_page(proposal_id, "request-changes")
