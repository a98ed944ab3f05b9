"""Select & Sign (seed 003 "Signature Pad") and the verify page (issue 9, evidence):

    GET/POST /proposals/<id>/sign    the pad: proposal number, optional services whose amounts change the
                                     total as they are ticked, the disclosure, a drawn or typed signature,
                                     Accept & Sign; then the confirmation
    GET      /proposals/<id>/signed  the confirmation, then Home (and the sealed PDF)
    GET/POST /proposals/verify       upload a PDF: is it a signed proposal, is the company's seal intact

proposals decides everything (who sees, who signs, exactly once); this module shows its answers. The
drawing needs proposal-sign.js (signature_pad, served from /static/vendor, ADR 0028); without scripts
the typed signature still works. No inline script: the CSP allows /static only.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request

from portal_web import messages
from portal_web.adapters.proposal_signing import SigningError, SigningUnavailable, proposal_signing
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.entrypoints.portal import open_section
from portal_web.errors import message_page
from portal_web.forms import SignProposalForm, VerifyPdfForm, apply_api_errors

bp = Blueprint("proposal_signing", __name__)
bp.before_request(needs_a_branch)

REFUSALS = {"already_signed": messages.ALREADY_SIGNED, "proposal_changed": messages.PROPOSAL_CHANGED,
            "may_not_sign": messages.MAY_NOT_SIGN, "not_signable": messages.NOT_SIGNABLE}


def _refused(error: SigningError, proposal_id: str):
    """proposals' refusal as a page (or None when the form should show it)."""
    back = (f"/proposals/{proposal_id}", "Back to the proposal")
    if error.status == 401:
        return redirect("/login")
    if error.status == 404:
        return message_page(404, "Proposal not found", messages.NO_SUCH_PROPOSAL, link=("/proposals", "Back to Proposals"))
    if error.status in (403, 409):
        return message_page(error.status, "Not signed", REFUSALS.get(error.code) or error.detail or messages.NOT_SIGNABLE,
                            link=back)
    return None


def _unavailable():
    return message_page(503, "Temporarily unavailable", messages.PROPOSALS_UNAVAILABLE, headers={"Retry-After": "5"})


def _version(posted, sheet: dict) -> int:
    """The version the customer read, as the form carried it (the sheet's when the form lost it)."""
    posted = str(posted or "")
    return int(posted) if posted.isdigit() and len(posted) < 7 else int(sheet.get("version") or 1)


def _total(sheet: dict, chosen: list[str]) -> int:
    return int(sheet.get("price_cents") or 0) + sum(int(o.get("amount_cents") or 0)
                                                    for o in sheet.get("optional_services") or [] if o.get("name") in chosen)


@bp.route("/proposals/<uuid:proposal_id>/sign", methods=["GET", "POST"])
def sign(proposal_id):
    shell, refused = open_section("proposals")
    if shell is None:
        return refused
    proposal_id = str(proposal_id)
    client = proposal_signing()
    try:
        sheet = client.sheet(proposal_id, showing=request.method == "GET")
    except SigningError as error:
        return _refused(error, proposal_id) or _unavailable()
    except SigningUnavailable:
        return _unavailable()
    if sheet.get("signature"):  # a second tab, another contact: told, and shown what was signed
        flash(messages.ALREADY_SIGNED, "info")
        return redirect(f"/proposals/{proposal_id}/signed", code=303)
    if not sheet.get("may_sign"):
        return message_page(403, "Not signed", messages.MAY_NOT_SIGN if sheet.get("status") == "Pending"
                            else messages.NOT_SIGNABLE, link=(f"/proposals/{proposal_id}", "Back to the proposal"))
    form = SignProposalForm(data={"consent_version": sheet["consent"]["version"], "version": sheet.get("version")})
    offered = [o.get("name") for o in sheet.get("optional_services") or []]
    chosen = [name for name in request.form.getlist("optional_service") if name in offered]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            kind = form.mark_kind.data
            mark = form.mark.data if kind == "drawn" else (form.typed_name.data or "").strip()
            if not mark:
                (form.typed_name if kind == "typed" else form.mark_kind).errors = [messages.DRAW_OR_TYPE]
            else:
                try:
                    client.sign(proposal_id, version=_version(form.version.data, sheet),
                                optional_services=chosen, consent_version=form.consent_version.data,
                                consent_accepted=True, mark_kind=kind, mark=mark)
                except SigningError as error:
                    if error.code == "already_signed":  # another request signed it a moment before
                        flash(messages.ALREADY_SIGNED, "info")
                        return redirect(f"/proposals/{proposal_id}/signed", code=303)
                    if error.status != 422:
                        return _refused(error, proposal_id) or _unavailable()
                    form.form_errors.extend(apply_api_errors(
                        form, error.errors, {"signature": "typed_name" if kind == "typed" else "mark_kind",
                                             "consent_accepted": "consent_accepted"}))
                except SigningUnavailable:
                    return _unavailable()
                else:
                    flash(messages.PROPOSAL_SIGNED, "success")
                    return redirect(f"/proposals/{proposal_id}/signed", code=303)
    return render_template("proposal_sign.html", me=shell.me, shell=shell, sheet=sheet, form=form, chosen=chosen,
                           total_cents=_total(sheet, chosen)), status


@bp.get("/proposals/<uuid:proposal_id>/signed")
def signed(proposal_id):
    """The confirmation: what was signed, the sealed PDF, then Home."""
    shell, refused = open_section("proposals")
    if shell is None:
        return refused
    proposal_id = str(proposal_id)
    try:
        sheet = proposal_signing().sheet(proposal_id)
    except SigningError as error:
        return _refused(error, proposal_id) or _unavailable()
    except SigningUnavailable:
        return _unavailable()
    if not sheet.get("signature"):
        return redirect(f"/proposals/{proposal_id}")
    return render_template("proposal_signed.html", me=shell.me, shell=shell, sheet=sheet,
                           signature=sheet["signature"])


@bp.route("/proposals/verify", methods=["GET", "POST"])
def verify():
    """Upload a PDF: is it, byte for byte, a proposal signed here, and is the company's seal intact."""
    shell, refused = open_section("proposals")
    if shell is None:
        return refused
    form = VerifyPdfForm()
    result, status = None, 200
    if request.method == "POST" and form.validate_on_submit():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            form.file.errors = [messages.CHOOSE_PDF]
            status = 422
        else:
            try:
                result = proposal_signing().verify(upload.filename, upload.read())
            except SigningError as error:
                if error.status != 422:
                    return _refused(error, "") or _unavailable()
                form.file.errors = [*(error.errors.get("file") or [error.detail or messages.CHOOSE_PDF])]
                status = 422
            except SigningUnavailable:
                return _unavailable()
    elif request.method == "POST":
        status = 422
    return render_template("proposal_verify.html", me=shell.me, shell=shell, form=form, result=result), status
