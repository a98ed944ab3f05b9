"""The customer portal's pages: sign-in, home, password reset, invitation, profile (the signed-in
portal itself — Home's cards, sections, Property Filter — is in `entrypoints/portal.py`).

Each view reads its form, makes one or two identity calls and renders; what identity's answers
mean for a person is in `portal_web.messages`. Unexpected answers and an unreachable identity
go to the error pages of `portal_web.errors`.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template

from portal_shared.logging import get_logger
from portal_web import messages
from portal_web.adapters.identity import IdentityError, IdentityUnavailable, identity
from portal_web.auth import (clear_session_cookie, customer_required, is_customer, is_staff, session_cookie_value,
                             set_session_cookie)
from portal_web.entrypoints.pages import current_branch, needs_a_branch
from portal_web.entrypoints.portal import render_home
from portal_web.forms import (AcceptInvitationForm, ChangePasswordForm, ForgotPasswordForm, ProfileForm,
                              ResetPasswordForm, SignInForm, apply_api_errors)

log = get_logger(__name__)
bp = Blueprint("customer", __name__)


bp.before_request(needs_a_branch)


def _form_status(form) -> int:
    """422 for a submitted form shown again with its errors, else 200."""
    return 422 if form.is_submitted() and (form.form_errors or any(f.errors for f in form)) else 200


@bp.get("/")
def home():
    if is_staff():
        return redirect("/staff/")
    if not is_customer():
        return render_template("home.html")
    return render_home()


@bp.route("/login", methods=["GET", "POST"])
def login():
    if is_customer():
        return redirect("/")
    form = SignInForm()
    if form.validate_on_submit():
        try:
            started = identity().customer_sign_in(form.email.data.strip(), form.password.data)
        except IdentityError as error:
            refusal = messages.sign_in_refusal(error)
            unplaced = apply_api_errors(form, refusal.errors)
            return (render_template("login.html", form=form, error=refusal.message or " ".join(unplaced) or None),
                    refusal.status, refusal.headers)
        return set_session_cookie(redirect("/"), started["session_id"])
    return render_template("login.html", form=form), _form_status(form)


def end_session_and_forget(login_path: str):
    """Sign-out for customers and staff: identity ends the session, the browser forgets the cookie."""
    session_id = session_cookie_value()
    if session_id:
        try:
            identity().end_session(session_id)
        except (IdentityError, IdentityUnavailable) as exc:
            # The cookie goes anyway; the session still expires on its own idle timeout.
            log.warning("end_session_failed", error=str(exc))
    flash(messages.SIGNED_OUT, "info")
    return clear_session_cookie(redirect(login_path))


@bp.post("/logout")
def logout():
    return end_session_and_forget("/login")


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            identity().request_password_reset(form.email.data.strip())
        except IdentityError as error:
            if error.status == 422 and error.errors:  # not an email: say so ("Enter a valid email")
                form.form_errors.extend(apply_api_errors(form, error.errors))
                return render_template("forgot_password.html", form=form), 422
            # Otherwise the page says the same whatever happened: it never tells whether an account exists.
            log.warning("password_reset_request_refused", status=error.status, code=error.code)
        return render_template("forgot_password_sent.html")
    return render_template("forgot_password.html", form=form), _form_status(form)


def _reset_link_invalid():
    return render_template("reset_link_invalid.html"), 410


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        reset = identity().password_reset(token)
    except IdentityError as error:
        if error.status in (404, 410):
            return _reset_link_invalid()
        raise
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            identity().complete_password_reset(token, form.new_password.data)
        except IdentityError as error:
            if error.status in (404, 410):
                return _reset_link_invalid()
            if error.status != 422:
                raise
            form.form_errors.extend(apply_api_errors(form, error.errors, {"password": "new_password"}))
        else:
            flash(messages.PASSWORD_RESET_DONE, "success")
            return clear_session_cookie(redirect("/login"))
    return render_template("reset_password.html", form=form, email=reset.get("email")), _form_status(form)


def _invitation_invalid():
    company = current_branch().get("company_name") or ""
    return render_template("invitation_invalid.html", message=messages.invitation_invalid(company)), 410


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    try:
        invited = identity().invitation(token)
    except IdentityError as error:
        if error.status in (404, 410):
            return _invitation_invalid()
        raise
    form = AcceptInvitationForm(data={"first_name": invited.get("first_name") or "",
                                      "last_name": invited.get("last_name") or ""})
    if form.validate_on_submit():
        try:
            started = identity().accept_invitation(token, first_name=form.first_name.data.strip(),
                                                   last_name=form.last_name.data.strip(),
                                                   password=form.password.data)
        except IdentityError as error:
            if error.status in (404, 410):
                return _invitation_invalid()
            if error.status != 422:
                raise
            form.form_errors.extend(apply_api_errors(form, error.errors, {"new_password": "password"}))
        else:
            return set_session_cookie(redirect("/"), started["session_id"])
    company = invited.get("company_name") or current_branch().get("company_name")
    return (render_template("invitation.html", form=form, invited=invited, company=company),
            _form_status(form))


@bp.route("/profile", methods=["GET", "POST"])
@customer_required
def profile():
    me = identity().customer_me()
    form = ProfileForm(data={k: me.get(k) or "" for k in ("first_name", "last_name", "email")})
    if form.validate_on_submit():
        try:
            changes = {"first_name": form.first_name.data.strip(), "last_name": form.last_name.data.strip(),
                       "email": form.email.data.strip()}
            if form.current_password.data:
                changes["current_password"] = form.current_password.data
            identity().update_customer_me(**changes)
        except IdentityError as error:
            if error.status == 409:
                form.email.errors = [*form.email.errors, error.detail or messages.EMAIL_TAKEN]
            elif error.status == 422:
                form.form_errors.extend(apply_api_errors(form, error.errors))
            else:
                raise
        else:
            flash(messages.PROFILE_UPDATED, "success")
            return redirect("/profile")
    return render_template("profile.html", form=form, me=me), _form_status(form)


@bp.route("/profile/password", methods=["GET", "POST"])
@customer_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            identity().change_password(form.current_password.data, form.new_password.data)
        except IdentityError as error:
            if error.status != 422:
                raise
            form.form_errors.extend(apply_api_errors(form, error.errors, {"password": "new_password"}))
        else:
            # Identity has ended every session of the account, this one included.
            flash(messages.PASSWORD_CHANGE_NOTE, "success")
            return clear_session_cookie(redirect("/login"))
    return render_template("profile_password.html", form=form), _form_status(form)
