"""The staff console: sign-in, the contacts list and the Customer Portal invitation bulk action.

Sending invitations: identity accepts them at once as a batch, keyed by the form's idempotency key,
and sends them in its worker; the console then shows the batch's page, which refreshes itself (a
meta refresh: no script) until every result is in. Posting the same form twice finds the same
batch. The results page offers the edited text again for the recipients worth another try.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for

from portal_web import messages
from portal_web.adapters.identity import IdentityError, identity
from portal_web.auth import is_staff, set_session_cookie, staff_required
from portal_web.entrypoints.customer import end_session_and_forget
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.errors import message_page
from portal_shared.events.portal_settings import LINK_TOKEN
from portal_web.forms import InvitationForm, SignInForm, apply_api_errors

bp = Blueprint("staff", __name__, url_prefix="/staff")

PAGE_SIZE = 25
# Ids asked for in one GET /staff/contacts: ≤ identity's largest page (100), and 50 UUIDs keep the request
# line (~2.5 kB) under gunicorn's 4,094-byte limit. Up to 50 selected contacts (the usual case): one call.
LOOKUP_BATCH = 50
MAX_RECIPIENTS = 500
INVITE_PERMISSIONS = ("send_portal_invitation", "bulk_email_contacts")
VERIFIED_FILTER = {"yes": True, "no": False}
# Refusals a corrected email can fix: the results page offers these recipients again.
WORTH_ANOTHER_TRY = frozenset({"invalid_email", "email_taken"})
PROGRESS_REFRESH_SECONDS = 2


bp.before_request(needs_a_branch)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if is_staff():
        return redirect(url_for("staff.contacts"))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            started = identity().staff_sign_in(form.email.data.strip(), form.password.data)
        except IdentityError as error:
            refusal = messages.sign_in_refusal(error)
            unplaced = apply_api_errors(form, refusal.errors)
            return (render_template("staff/login.html", form=form, error=refusal.message or " ".join(unplaced) or None),
                    refusal.status, refusal.headers)
        return set_session_cookie(redirect(url_for("staff.contacts")), started["session_id"])
    status = 422 if form.is_submitted() else 200
    return render_template("staff/login.html", form=form), status


@bp.post("/logout")
def logout():
    return end_session_and_forget("/staff/login")


def _page_number(raw: str | None) -> int:
    try:
        return max(1, int(raw or 1))
    except ValueError:
        return 1


@bp.get("/")
@staff_required
def contacts():
    q = (request.args.get("q") or "").strip()[:200]
    verified = request.args.get("verified") or ""
    if verified not in VERIFIED_FILTER:
        verified = ""
    page = identity().staff_contacts(q=q or None, verified=VERIFIED_FILTER.get(verified),
                                     page=_page_number(request.args.get("page")), page_size=PAGE_SIZE)
    return render_template("staff/contacts.html", contacts=page.items, pagination=page.pagination, q=q,
                           verified=verified)


def _selected_contact_ids() -> list[str]:
    seen: dict[str, None] = {}
    for value in request.args.getlist("contact"):
        value = value.strip()
        if value and len(value) <= 100:
            seen.setdefault(value, None)
    return list(seen)[:MAX_RECIPIENTS]


def _find_contacts(contact_ids: list[str]) -> tuple[list[dict], list[str]]:
    """The selected contacts, in the order selected, and the ids not found.

    GET /staff/contacts with `contact_id` answers only those of the selected contacts that are
    this branch's, so one call per LOOKUP_BATCH ids finds them all.
    """
    found: dict[str, dict] = {}
    for start in range(0, len(contact_ids), LOOKUP_BATCH):
        batch = contact_ids[start:start + LOOKUP_BATCH]
        page = identity().staff_contacts(contact_ids=batch, page_size=len(batch))
        for contact in page.items:
            found[str(contact.get("contact_id"))] = contact
    return [found[i] for i in contact_ids if i in found], [i for i in contact_ids if i not in found]


def full_name(contact: dict) -> str:
    return " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p) or contact.get("email", "")


def _may_invite() -> bool:
    permissions = set(identity().staff_me().get("permissions") or [])
    return all(p in permissions for p in INVITE_PERMISSIONS)


@bp.get("/invite")
@staff_required
def invite():
    contact_ids = _selected_contact_ids()
    if not contact_ids:
        flash(messages.SELECT_CONTACTS, "error")
        return redirect(url_for("staff.contacts"))
    if not _may_invite():
        return message_page(403, "Not allowed", messages.MISSING_INVITE_PERMISSIONS,
                            link=(url_for("staff.contacts"), "Back to contacts"))
    selected, missing = _find_contacts(contact_ids)
    template = identity().invitation_template()
    form = InvitationForm(data={
        "idempotency_key": _new_key(),
        "subject": template.get("subject") or "",
        "body": template.get("body") or "",
        "recipients": [{"contact_id": c["contact_id"], "name": full_name(c), "original_email": c.get("email") or "",
                        "email": c.get("email") or ""} for c in selected],
    })
    return _invite_page(form, template, missing)


def _new_key() -> str:
    return str(uuid.uuid4())


def _invite_page(form: InvitationForm, template: dict | None = None, missing: list[str] | None = None,
                 status: int = 200):
    template = template if template is not None else identity().invitation_template()
    return render_template("staff/invite.html", form=form, template=template, missing=missing or [],
                           link_token=LINK_TOKEN), status


@bp.post("/invite")
@staff_required
def send_invitations():
    form = InvitationForm()
    if not (form.idempotency_key.data or "").strip():
        form.idempotency_key.data = _new_key()
    if request.form.get("action") == "edit":
        # From a results page: the edited text and the recipients worth another try, as a new form to send.
        if not _may_invite():
            return message_page(403, "Not allowed", messages.MISSING_INVITE_PERMISSIONS,
                                link=(url_for("staff.contacts"), "Back to contacts"))
        form.idempotency_key.data = _new_key()
        return _invite_page(form)
    if not form.recipients.entries:
        form.form_errors.append(messages.SELECT_CONTACTS)
    if form.validate_on_submit() and not form.form_errors:
        recipients = []
        for entry in form.recipients.entries:
            recipient = {"contact_id": entry.form.contact_id.data}
            email = (entry.form.email.data or "").strip()
            if email and email != entry.form.original_email.data:
                recipient["email"] = email
            recipients.append(recipient)
        try:
            batch = identity().start_invitation_batch(idempotency_key=form.idempotency_key.data.strip(),
                                                      subject=form.subject.data, body=form.body.data,
                                                      recipients=recipients)
        except IdentityError as error:
            if error.status == 403:
                return message_page(403, "Not allowed", error.detail or messages.MISSING_INVITE_PERMISSIONS,
                                    link=(url_for("staff.contacts"), "Back to contacts"))
            if error.status == 409 and error.code == "idempotency_key_reused":
                # This form was sent before with other words; sending these is a new send.
                form.form_errors.append(messages.INVITATION_FORM_ALREADY_SENT)
                form.idempotency_key.data = _new_key()
            elif error.status != 422:
                raise
            else:
                _show_invitation_errors(form, error)
        else:
            return redirect(url_for("staff.invitation_batch", batch_id=batch["batch_id"]), code=303)
    return _invite_page(form, status=422)


@bp.get("/invitations/<uuid:batch_id>")
@staff_required
def invitation_batch(batch_id):
    """The batch's progress, refreshing itself until identity has every result; then the results."""
    try:
        batch = identity().invitation_batch(str(batch_id))
    except IdentityError as error:
        if error.status != 404:
            raise
        return message_page(404, "Not found", messages.INVITATION_BATCH_NOT_FOUND,
                            link=(url_for("staff.contacts"), "Back to contacts"))
    results = batch.get("results") or []
    again = [r for r in results if r.get("status") != "sent" and r.get("code") in WORTH_ANOTHER_TRY]
    pending = batch.get("status") != "done"
    return render_template("staff/invite_results.html", batch=batch, results=results, again=again, pending=pending,
                           refresh_seconds=PROGRESS_REFRESH_SECONDS)


def _show_invitation_errors(form: InvitationForm, error: IdentityError) -> None:
    """Subject and body messages next to those fields; a 422 without field messages is about the body
    (it lacks the link token); anything else above the form."""
    placed = {k: v for k, v in error.errors.items() if k in ("subject", "body")}
    apply_api_errors(form, placed)
    others = [m for k, v in error.errors.items() if k not in placed for m in v]
    form.form_errors.extend(others)
    if not error.errors:
        form.body.errors = [*form.body.errors, error.detail or f"The invitation text must include {LINK_TOKEN}."]
