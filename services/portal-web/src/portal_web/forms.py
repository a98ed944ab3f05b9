"""The WTForms classes of every page. CSRF comes with FlaskForm (and CSRFProtect checks every POST).

Only what the browser can check cheaply is checked here (something entered, the two new
passwords equal, at least 8 characters); identity decides the rest and its field messages are
shown next to the fields (`apply_api_errors`).
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, StringField
from flask_wtf.file import FileField
from wtforms.fields import (
    BooleanField, EmailField, FieldList, FormField, HiddenField, PasswordField, RadioField, TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length

PASSWORD_MIN = 8
PASSWORD_MAX = 1024  # passphrases are welcome; never a limit below 128
PASSWORD_HINT = "At least 8 characters. Long passphrases are welcome."
NAME_MAX = 100
EMAIL_MAX = 254


def _email(label: str = "Email", autocomplete: str = "email") -> EmailField:
    return EmailField(label, validators=[InputRequired("Enter your email."), Length(max=EMAIL_MAX)],
                      render_kw={"autocomplete": autocomplete, "spellcheck": "false", "autocapitalize": "none"})


def _current_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[InputRequired("Enter your password."), Length(max=PASSWORD_MAX)],
                         render_kw={"autocomplete": "current-password"})


def _new_password(label: str) -> PasswordField:
    return PasswordField(label, validators=[
        InputRequired("Enter a password."),
        Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message="Use at least 8 characters."),
    ], render_kw={"autocomplete": "new-password"}, description=PASSWORD_HINT)


def _confirm(label: str, other: str) -> PasswordField:
    return PasswordField(label, validators=[InputRequired("Enter the password again."),
                                            EqualTo(other, "The passwords do not match.")],
                         render_kw={"autocomplete": "new-password"})


def _name(label: str, autocomplete: str) -> StringField:
    return StringField(label, validators=[InputRequired(f"Enter your {label.lower()}."), Length(max=NAME_MAX)],
                       render_kw={"autocomplete": autocomplete})


class SignInForm(FlaskForm):
    email = _email(autocomplete="username")
    password = _current_password("Password")


class ForgotPasswordForm(FlaskForm):
    email = _email()


class ResetPasswordForm(FlaskForm):
    new_password = _new_password("New password")
    confirm_password = _confirm("Confirm new password", "new_password")


class AcceptInvitationForm(FlaskForm):
    first_name = _name("First name", "given-name")
    last_name = _name("Last name", "family-name")
    password = _new_password("Password")
    confirm_password = _confirm("Confirm password", "password")


class ProfileForm(FlaskForm):
    first_name = _name("First name", "given-name")
    last_name = _name("Last name", "family-name")
    email = _email()
    current_password = PasswordField("Current password", validators=[Length(max=PASSWORD_MAX)],
                                     render_kw={"autocomplete": "current-password"},
                                     description="Needed only when you change your email.")


class ChangePasswordForm(FlaskForm):
    current_password = _current_password("Current password")
    new_password = _new_password("New password")
    confirm_password = _confirm("Confirm new password", "new_password")


class RecipientForm(Form):
    contact_id = HiddenField()
    name = HiddenField()
    original_email = HiddenField()
    email = EmailField("Email", validators=[InputRequired("Enter an email address."), Length(max=EMAIL_MAX)],
                       render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"})


class InvitationForm(FlaskForm):
    # One per form shown: identity keeps one batch per key, so sending this form twice sends once.
    idempotency_key = HiddenField()
    recipients = FieldList(FormField(RecipientForm), min_entries=0, max_entries=500)
    subject = TextAreaField("Subject", validators=[InputRequired("Enter a subject."), Length(max=500)],
                            render_kw={"rows": 2})
    body = TextAreaField("Body", validators=[InputRequired("Enter the invitation text."), Length(max=20000)],
                         render_kw={"rows": 10})


class SignProposalForm(FlaskForm):
    """Select & Sign. The optional services are checkboxes named `optional_service` (the proposal decides
    which exist); the mark is the pad's PNG (data URL, set by proposal-sign.js) or the typed name."""
    version = HiddenField()          # the version read: proposals refuses to sign another one (proposal_changed)
    consent_version = HiddenField()
    consent_accepted = BooleanField("I agree to sign electronically", validators=[
        InputRequired("Agree to sign electronically to accept the proposal.")])
    mark_kind = RadioField("How will you sign?", choices=[("drawn", "Draw"), ("typed", "Type")], default="typed",
                           validators=[InputRequired("Draw or type your signature.")])
    mark = HiddenField()
    typed_name = StringField("Type your full name", validators=[Length(max=100)],
                             render_kw={"autocomplete": "name"})


class VerifyPdfForm(FlaskForm):
    file = FileField("Signed proposal (PDF)", render_kw={"accept": "application/pdf,.pdf"})


def apply_api_errors(form: FlaskForm, errors: dict[str, list[str]], aliases: dict[str, str] | None = None) -> list[str]:
    """Put identity's field messages on the form's fields; returns the ones no field shows."""
    unplaced: list[str] = []
    for api_field, messages in (errors or {}).items():
        name = (aliases or {}).get(api_field, api_field)
        field = form._fields.get(name) if name != "csrf_token" else None
        if field is None:
            unplaced.extend(messages)
            continue
        field.errors = [*field.errors, *messages]
    return unplaced
