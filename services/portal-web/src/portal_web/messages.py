"""The words people read, in one place: tests and templates refer to these, not to copies."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal_web.adapters.identity import IdentityError

INVALID_CREDENTIALS = "The email or password is incorrect."
NO_PROPERTIES = ("This portal has no properties for you. Sign in at the portal address your service provider "
                 "sent you.")
NOT_IN_BRANCH = "Your staff account does not have access to this branch."
TOO_MANY_ATTEMPTS = "Too many attempts. Wait a moment and try again."  # when identity names no wait
SIGNED_OUT = "You have been signed out."
RESET_SENT = "If an account exists for that email, we sent a link to reset your password."
RESET_LINK_INVALID = ("This link is no longer valid. It may have expired or been used already. "
                      "Request a new link to reset your password.")
PASSWORD_RESET_DONE = "Your password has been changed. Sign in with your new password."
PASSWORD_CHANGE_NOTE = "Changing your password will log you out immediately. Use the new password to log back in."
PROFILE_UPDATED = "Your profile has been successfully updated."
EMAIL_TAKEN = "This email is already used by another account."
SELECT_CONTACTS = "Select at least one contact to invite."
INVITATION_FORM_ALREADY_SENT = ("This form was already sent with other text. Check the text and Send again to send "
                                "these invitations as well.")
INVITATION_BATCH_NOT_FOUND = "These invitations could not be found. They may have been sent by someone else."
MISSING_INVITE_PERMISSIONS = ("You can't send Customer Portal invitations: it takes the Send Customer Portal "
                              "Invitation and Bulk Email Contacts permissions. Ask your administrator.")

MISSING_SETTINGS_PERMISSION = ("You can't change the Customer Portal settings: it takes the Manage Customer Portal "
                               "Settings permission. Ask your administrator.")
SETTINGS_SAVED = "Settings saved. Customers see the changes the next time they open a page."
SETTINGS_CHECKED = "No problems found. Save to apply these settings."
SETTINGS_CONFLICT = ("These settings were saved by someone else after you opened this page. Reload the page "
                     "and apply your changes again.")
SETTINGS_REFUSED = "The settings could not be saved. Check the fields and try again."
SETTINGS_UNAVAILABLE = "We can't reach the portal settings service right now. Wait a moment and try again."
UPLOAD_REFUSED = "This image could not be uploaded. Use a PNG, JPEG or WebP image."
UPLOAD_TOO_LARGE = "This image is too large. Use an image of 2 MB or less."
UNAVAILABLE_NOW = "Unavailable right now"
INVOICES_UNAVAILABLE = "We can't reach your invoices right now. Wait a moment and try again."
NO_SUCH_INVOICE = "This invoice does not exist, or it is not on one of your properties."
PROPOSALS_UNAVAILABLE = "We can't reach your proposals right now. Wait a moment and try again."
NO_SUCH_PROPOSAL = "This proposal does not exist, or it is not on one of your properties."


def settings_moved(address: str) -> str:
    return (f"Settings saved. The portal's address is now {address}. This address no longer leads to it: "
            "sign in at the new one to continue.")


def invitation_invalid(company: str) -> str:
    who = company or "your service provider"
    return ("This invitation link is no longer valid. It may have expired, been used already, or been replaced by "
            f"a newer invitation. Ask {who} to send a new invitation, or use Forgot Password if you already have "
            "an account.")


def too_many_attempts(retry_after: str | None) -> str:
    """"Too many attempts. Try again in 5 minutes." from identity's Retry-After (seconds)."""
    try:
        seconds = int(retry_after or "")
    except ValueError:
        return TOO_MANY_ATTEMPTS
    minutes = max(1, -(-seconds // 60))  # a wait under a minute reads as one minute, never zero
    return f"Too many attempts. Try again in {minutes} minute{'' if minutes == 1 else 's'}."


@dataclass(frozen=True)
class Refusal:
    message: str | None
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # identity's field messages (a 422)


def sign_in_refusal(error: IdentityError) -> Refusal:
    """What a sign-in page says for identity's answer: never which of email or password was wrong."""
    if error.status == 403 and error.code == "no_properties_in_branch":
        return Refusal(NO_PROPERTIES, 403)
    if error.status == 403 and error.code == "not_in_branch":
        return Refusal(NOT_IN_BRANCH, 403)
    if error.status == 429:
        return Refusal(too_many_attempts(error.retry_after), 429, {"Retry-After": error.retry_after or "5"})
    if error.status == 422 and error.errors:  # e.g. text that is not an email: "Enter a valid email"
        return Refusal(None, 422, errors=error.errors)
    return Refusal(INVALID_CREDENTIALS, 401)
PROPOSALS_UNAVAILABLE = "We can't reach your proposals right now. Wait a moment and try again."
NO_SUCH_PROPOSAL = "This proposal does not exist, or it is not on one of your properties."
ALREADY_SIGNED = "This proposal is already signed."
PROPOSAL_CHANGED = "This proposal changed since you opened it. Read the new version before you sign."
MAY_NOT_SIGN = "Only the property's Primary and Billing contacts can sign proposals."
NOT_SIGNABLE = "This proposal can no longer be signed."
DRAW_OR_TYPE = "Draw your signature in the signature area, or type your full name."
PROPOSAL_SIGNED = "Thank you. Your signature was recorded."
CHOOSE_PDF = "Choose the PDF to check."
