"""Signing in and out, the customer's profile, and every way a password changes.

Answers never reveal whether an account exists: a wrong email and a wrong password fail alike
(and take as long: the password check runs against a dummy hash), and a reset request is
acknowledged the same way for everyone. A password change or reset ends every session.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_identity.adapters.orm import Branch, Contact, PasswordReset, Property, PropertyRole, StaffUser
from portal_identity.adapters.passwords import Passwords
from portal_identity.domain.roles import permissions_of
from portal_identity.domain.rules import email_error, first_name_error, last_name_error, normalise_email, password_error
from portal_identity.domain.tokens import new_token, token_digest
from portal_identity.service_layer.context import Caller
from portal_identity.service_layer.directory import contact_properties, email_taken, publish_contact
from portal_shared.bus.outbox import record_event
from portal_shared.errors import ApiError, Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from portal_shared.events import make_event
from portal_shared.sessions import SessionStore

RESET_VALIDITY = timedelta(hours=1)


class InvalidCredentials(ApiError):
    status, code, title = 401, "invalid_credentials", "Sign-in failed"

    def __init__(self):
        super().__init__("The email or password is incorrect.")


class LinkInvalid(ApiError):
    status, code, title = 410, "link_invalid", "Link no longer valid"

    def __init__(self):
        super().__init__("This link is no longer valid. It may have expired or been used already; request a new one.")


def now() -> datetime:
    return datetime.now(UTC)


def _require_email(email: str) -> None:
    """Text that is not an email is named as such (the seeds: "Enter a valid email"), never looked up."""
    if error := email_error(email):
        raise ValidationFailed("Some fields are invalid: email", errors={"email": [error]})


def branch_of(session: Session, caller: Caller) -> Branch:
    branch = session.get(Branch, caller.branch_id)
    if branch is None or branch.tenant_id != caller.tenant_id:
        raise NotFound("This portal is not known yet; try again in a moment.")
    return branch


# -- customers ------------------------------------------------------------------------------

def customer_sign_in(session: Session, *, caller: Caller, email: str, password: str, passwords: Passwords,
                     sessions: SessionStore) -> dict[str, str]:
    _require_email(email)
    contact = session.scalar(sa.select(Contact).where(Contact.tenant_id == caller.tenant_id,
                                                      Contact.email == normalise_email(email)))
    ok = passwords.verify(contact.password_hash if contact else None, password)
    if not ok or contact is None or not contact.verified:
        raise InvalidCredentials()
    has_property_here = session.scalar(
        sa.select(sa.func.count()).select_from(PropertyRole)
        .join(Property, Property.id == PropertyRole.property_id)
        .where(PropertyRole.tenant_id == caller.tenant_id, PropertyRole.contact_id == contact.id,
               Property.branch_id == caller.branch_id))
    if not has_property_here:
        raise Forbidden("This portal has no properties for you. Sign in at the portal address your service "
                        "provider sent you.", code="no_properties_in_branch")
    if passwords.needs_rehash(contact.password_hash):
        contact.password_hash = passwords.hash(password)
    session_id = sessions.create(kind="customer", account_id=contact.id, tenant_id=caller.tenant_id,
                                 branch_id=caller.branch_id)
    return {"session_id": session_id, "contact_id": contact.id}


def _contact_of(session: Session, caller: Caller) -> Contact:
    contact = session.get(Contact, caller.require("customer"))
    if contact is None or contact.tenant_id != caller.tenant_id:
        raise Unauthenticated("Sign in to continue.")
    return contact


def customer_profile(session: Session, *, caller: Caller) -> dict[str, Any]:
    contact = _contact_of(session, caller)
    return {"contact_id": contact.id, "email": contact.email, "first_name": contact.first_name,
            "last_name": contact.last_name, "verified": contact.verified,
            "properties": contact_properties(session, tenant_id=caller.tenant_id, contact_id=contact.id,
                                             branch_id=caller.branch_id)}


EMAIL_CHANGE_NEEDS_PASSWORD = "Enter your current password to change your email."


def update_profile(session: Session, *, caller: Caller, changes: dict[str, str],
                   passwords: Passwords | None = None) -> dict[str, Any]:
    """Names change freely; the sign-in email only with the current password (a stolen session must
    not be able to move the account to the thief's address and reset it from there)."""
    contact = _contact_of(session, caller)
    current_password = changes.pop("current_password", None)
    errors: dict[str, list[str]] = {}
    checks = {"first_name": first_name_error, "last_name": last_name_error, "email": email_error}
    for field, check in checks.items():
        if field in changes and (error := check(changes[field])):
            errors[field] = [error]
    if errors:
        raise ValidationFailed("Some fields are invalid: " + ", ".join(sorted(errors)), errors=errors)
    if "email" in changes and normalise_email(changes["email"]) != contact.email:
        email = normalise_email(changes["email"])
        if passwords is None or not current_password or not passwords.verify(contact.password_hash, current_password):
            raise ValidationFailed(EMAIL_CHANGE_NEEDS_PASSWORD, errors={"current_password": [EMAIL_CHANGE_NEEDS_PASSWORD]})
        if email_taken(session, caller.tenant_id, email, contact.id):
            raise Conflict("This email is already in use.", code="email_taken",
                           errors={"email": ["This email is already in use."]})
        contact.email = email
        # Reset links sent to the old address die with it.
        session.execute(sa.update(PasswordReset).where(PasswordReset.contact_id == contact.id,
                                                       PasswordReset.used_at.is_(None)).values(used_at=now()))
    for field in ("first_name", "last_name"):
        if field in changes:
            setattr(contact, field, changes[field].strip())
    contact.revision += 1
    session.flush()
    publish_contact(session, contact)
    return customer_profile(session, caller=caller)


def change_password(session: Session, *, caller: Caller, current_password: str, new_password: str,
                    passwords: Passwords, sessions: SessionStore) -> None:
    contact = _contact_of(session, caller)
    if not passwords.verify(contact.password_hash, current_password):
        raise ValidationFailed("The current password is incorrect.",
                               errors={"current_password": ["The current password is incorrect."]})
    if error := password_error(new_password, email=contact.email):
        raise ValidationFailed(error, errors={"new_password": [error]})
    _set_password(session, contact, new_password, passwords, sessions, caller=caller, how="changed")


def _set_password(session: Session, contact: Contact, password: str, passwords: Passwords, sessions: SessionStore,
                  *, caller: Caller, how: str) -> None:
    contact.password_hash = passwords.hash(password)
    branch = branch_of(session, caller)
    record_event(session, make_event("password_changed", {
        "contact_id": contact.id, "to_email": contact.email, "to_name": contact.full_name or contact.email,
        "company_name": branch.company_name, "portal_url": branch.portal_url, "changed_at": now(), "how": how,
    }, tenant_id=caller.tenant_id, branch_id=caller.branch_id))
    session.flush()
    # Ended now, not at commit: a request racing this one must not slip through with the old session.
    sessions.revoke_all(kind="customer", account_id=contact.id)


def request_password_reset(session: Session, *, caller: Caller, email: str) -> None:
    """Email a reset link to a verified customer of this company; do nothing visible otherwise."""
    _require_email(email)
    contact = session.scalar(sa.select(Contact).where(Contact.tenant_id == caller.tenant_id,
                                                      Contact.email == normalise_email(email)))
    if contact is None or not contact.verified:
        return
    branch = branch_of(session, caller)
    token = new_token()
    expires = now() + RESET_VALIDITY
    session.add(PasswordReset(tenant_id=caller.tenant_id, branch_id=caller.branch_id, contact_id=contact.id,
                              token_digest=token_digest(token), expires_at=expires))
    record_event(session, make_event("password_reset_requested", {
        "contact_id": contact.id, "to_email": contact.email, "to_name": contact.full_name or contact.email,
        "link": f"{branch.portal_url}/reset-password/{token}", "company_name": branch.company_name,
        "expires_at": expires,
    }, tenant_id=caller.tenant_id, branch_id=caller.branch_id))


def _live_reset(session: Session, caller: Caller, token: str) -> PasswordReset:
    reset = session.scalar(sa.select(PasswordReset).where(PasswordReset.token_digest == token_digest(token),
                                                          PasswordReset.tenant_id == caller.tenant_id)
                           .with_for_update())
    if reset is None or reset.used_at is not None or reset.expires_at <= now():
        raise LinkInvalid()
    return reset


def check_reset(session: Session, *, caller: Caller, token: str) -> dict[str, str]:
    reset = _live_reset(session, caller, token)
    return {"email": session.get(Contact, reset.contact_id).email}


def complete_reset(session: Session, *, caller: Caller, token: str, new_password: str, passwords: Passwords,
                   sessions: SessionStore) -> str:
    """Set the new password from a live reset link; returns the contact id."""
    reset = _live_reset(session, caller, token)
    contact = session.get(Contact, reset.contact_id)
    if error := password_error(new_password, email=contact.email):
        raise ValidationFailed(error, errors={"new_password": [error]})
    # This link and every other outstanding one of this account die together.
    session.execute(sa.update(PasswordReset).where(PasswordReset.contact_id == contact.id,
                                                   PasswordReset.used_at.is_(None)).values(used_at=now()))
    _set_password(session, contact, new_password, passwords, sessions, caller=caller, how="reset")
    return contact.id


# -- staff ----------------------------------------------------------------------------------

def staff_sign_in(session: Session, *, caller: Caller, email: str, password: str, passwords: Passwords,
                  sessions: SessionStore) -> dict[str, str]:
    _require_email(email)
    staff = session.scalar(sa.select(StaffUser).where(StaffUser.tenant_id == caller.tenant_id,
                                                      StaffUser.email == normalise_email(email)))
    ok = passwords.verify(staff.password_hash if staff else None, password)
    if not ok or staff is None or not staff.active:
        raise InvalidCredentials()
    if caller.branch_id not in (staff.branch_ids or []):
        raise Forbidden("Your account does not work at this branch. Sign in at your own branch's address.",
                        code="not_in_branch")
    session_id = sessions.create(kind="staff", account_id=staff.id, tenant_id=caller.tenant_id,
                                 branch_id=caller.branch_id)
    return {"session_id": session_id, "staff_id": staff.id}


def signed_in_staff(session: Session, *, caller: Caller) -> StaffUser:
    staff = session.get(StaffUser, caller.require("staff"))
    if staff is None or staff.tenant_id != caller.tenant_id or not staff.active:
        raise Unauthenticated("Sign in to continue.")
    if caller.branch_id not in (staff.branch_ids or []):
        # Removed from this branch since signing in: the old session no longer opens it.
        raise Unauthenticated("Sign in to continue.")
    return staff


def staff_view(staff: StaffUser) -> dict[str, Any]:
    return {"staff_id": staff.id, "email": staff.email, "first_name": staff.first_name,
            "last_name": staff.last_name, "role": staff.role, "permissions": sorted(permissions_of(staff.role)),
            "branch_ids": list(staff.branch_ids or [])}
