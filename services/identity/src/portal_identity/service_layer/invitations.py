"""Customer Portal invitations: sent by staff who hold both invitation permissions, single-use
links valid 30 days, stored hashed, bound to company and contact; a new one revokes the last."""
from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_identity.adapters.orm import Contact, Invitation, Property, PropertyRole, StaffUser
from portal_identity.adapters.passwords import Passwords
from portal_identity.domain import invitations as rules
from portal_identity.domain.roles import may_invite, missing_for_invitation
from portal_identity.domain.rules import (email_error, first_name_error, last_name_error, normalise_email,
                                          password_error)
from portal_identity.domain.tokens import new_token, token_digest
from portal_identity.service_layer.accounts import branch_of, now
from portal_identity.service_layer.context import Caller
from portal_identity.service_layer.directory import publish_contact
from portal_shared.bus.outbox import record_events
from portal_shared.errors import ApiError, Forbidden, ValidationFailed
from portal_shared.events import make_event
from portal_shared.events.envelope import Envelope
from portal_shared.sessions import SessionStore


class InvitationInvalid(ApiError):
    status, code, title = 410, "invitation_invalid", "Invitation no longer valid"

    def __init__(self):
        super().__init__("This invitation link is no longer valid. It may have expired, been used already, "
                         "or been replaced by a newer invitation.")


def template_for(session: Session, *, caller: Caller) -> rules.InvitationTemplate:
    """The branch's invitation template from its portal settings (portal-config owns it), else the default."""
    branch = branch_of(session, caller)
    if branch.invitation_body:
        return rules.InvitationTemplate(subject=branch.invitation_subject or rules.DEFAULT_SUBJECT,
                                        body=branch.invitation_body,
                                        link_description=branch.invitation_link_description
                                        or rules.DEFAULT_LINK_DESCRIPTION)
    return rules.InvitationTemplate(subject=rules.DEFAULT_SUBJECT, body=rules.DEFAULT_BODY)


def check_sender(session: Session, *, caller: Caller, staff: StaffUser, subject: str,
                 body: str) -> rules.InvitationTemplate:
    """The template to send, once the sender may invite and the text has its link; 403 or 422 otherwise."""
    if not may_invite(staff.role):
        missing = " and ".join(missing_for_invitation(staff.role))
        raise Forbidden(f"Your role ({staff.role}) cannot send Customer Portal invitations: it lacks {missing}. "
                        "Ask a System Admin to grant these permissions.", code="missing_permission")
    template = rules.InvitationTemplate(subject=subject, body=body,
                                        link_description=template_for(session, caller=caller).link_description)
    if errors := rules.template_errors(template):
        raise ValidationFailed("The invitation email is incomplete.", errors=errors)
    return template


def send_invitations(session: Session, *, caller: Caller, staff: StaffUser, subject: str, body: str,
                     recipients: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Invite every recipient within this request (the back office's few); the console sends batches."""
    template = check_sender(session, caller=caller, staff=staff, subject=subject, body=body)
    branch = branch_of(session, caller)
    return invite_many(session, caller=caller, staff=staff, template=template, branch=branch, recipients=recipients)


def refused(contact_id: str, email: str | None, code: str, message: str, name: str | None = None) -> dict[str, Any]:
    return {"contact_id": contact_id, "name": name, "email": email, "status": "refused", "code": code,
            "message": message}


def invite_many(session: Session, *, caller: Caller, staff: StaffUser, template: rules.InvitationTemplate,
                branch, recipients: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Each recipient's invitation (revoking any earlier one), or the reason it was refused, in order.

    Set-based, so a bulk chunk costs a few statements rather than several per recipient: one query finds
    (and locks) the contacts, one the holders of the emails asked for, one revokes the earlier links, one
    inserts the invitations and one their events. The recipients are still decided one after the other,
    against what the earlier ones changed (a contact listed twice is invited twice, the second link
    revoking the first; an email one recipient takes is taken for the next)."""
    ids = {str(r["contact_id"]) for r in recipients}
    # The contact must belong to this company and have a property at this branch. Locked (in id order, so two
    # chunks never deadlock): one invitation at a time per contact, a double-clicked Send cannot leave two live links.
    contacts = {c.id: c for c in session.scalars(
        sa.select(Contact).where(Contact.tenant_id == caller.tenant_id, Contact.id.in_(ids),
                                 Contact.id.in_(sa.select(PropertyRole.contact_id)
                                                .join(Property, Property.id == PropertyRole.property_id)
                                                .where(Property.branch_id == caller.branch_id)))
        .order_by(Contact.id).with_for_update())}
    holders = _email_holders(session, caller.tenant_id, recipients, contacts.values())
    invitations: list[dict[str, Any]] = []
    events = []
    latest: dict[str, dict[str, Any]] = {}  # contact id -> its invitation made earlier in this call
    results = []
    for recipient in recipients:
        contact_id = str(recipient["contact_id"])
        contact = contacts.get(contact_id)
        if contact is None:
            results.append(refused(contact_id, None, "contact_not_found", "No such contact at this branch."))
            continue
        name = contact.full_name or None
        if contact.verified:
            results.append(refused(
                contact.id, contact.email, "already_verified",
                f"{contact.full_name or contact.email} already has a Customer Portal account and cannot be "
                "invited again. Ask them to use Forgot Password on the sign-in page to get back in.", name))
            continue
        email = normalise_email(recipient.get("email") or contact.email)
        if error := email_error(email):
            results.append(refused(contact.id, email, "invalid_email", error, name))
            continue
        if email != contact.email and holders.get(email, contact.id) != contact.id:
            results.append(refused(contact.id, email, "email_taken", "Another contact of this company uses this email.",
                                   name))
            continue
        at = now()
        invitation, event = _invitation(caller=caller, staff=staff, template=template, branch=branch, contact=contact,
                                        email=email, at=at)
        if email != contact.email:  # rare in bulk: written at once, so the emails move in the recipients' order
            if holders.get(contact.email) == contact.id:
                del holders[contact.email]
            holders[email] = contact.id
            contact.email = email
            contact.revision += 1
            session.flush()
            publish_contact(session, contact)
        if contact.id in latest:  # a new invitation replaces the one this call just made
            latest[contact.id]["revoked_at"] = at
        latest[contact.id] = invitation
        invitations.append(invitation)
        events.append(event)
        results.append({"contact_id": contact.id, "name": name, "email": email, "status": "sent", "code": None,
                        "message": f"Invitation sent to {email}."})
    if invitations:
        # A new invitation replaces any earlier one still outstanding.
        session.execute(sa.update(Invitation).where(Invitation.contact_id.in_(latest), Invitation.used_at.is_(None),
                                                    Invitation.revoked_at.is_(None)).values(revoked_at=now()))
        session.execute(sa.insert(Invitation.__table__), invitations)
        record_events(session, events)
    return results


def _email_holders(session: Session, tenant_id: str, recipients: list[dict[str, str]], contacts) -> dict[str, str]:
    """email -> id of the company's contact using it, for every email these recipients can ask for: the ones
    they give and their contacts' own. Empty without a query when no recipient can change an email."""
    asked = {normalise_email(r["email"]) for r in recipients if r.get("email")}
    if not asked and all(normalise_email(c.email) == c.email for c in contacts):
        return {}
    asked |= {c.email for c in contacts} | {normalise_email(c.email) for c in contacts}
    return dict(session.execute(sa.select(Contact.email, Contact.id).where(Contact.tenant_id == tenant_id,
                                                                          Contact.email.in_(asked))).all())


def _invitation(*, caller: Caller, staff: StaffUser, template: rules.InvitationTemplate, branch, contact: Contact,
                email: str, at) -> tuple[dict[str, Any], Envelope]:
    """The invitation row to insert for `contact` at `email`, and its `invitation_created` event."""
    token = new_token()
    invitation = {"id": str(uuid.uuid4()), "tenant_id": caller.tenant_id, "branch_id": caller.branch_id,
                  "contact_id": contact.id, "token_digest": token_digest(token), "invited_by": staff.id,
                  "to_email": email, "expires_at": at + rules.INVITATION_VALIDITY, "revoked_at": None}
    link = f"{branch.portal_url}/invitation/{token}"
    values = rules.token_values(contact_first=contact.first_name, contact_last=contact.last_name, link=link,
                                company=branch.company_name, branch=branch.name, sender=staff.full_name)
    event = make_event("invitation_created", {
        "invitation_id": invitation["id"], "contact_id": contact.id, "to_email": email,
        "to_name": contact.full_name or email, "subject": rules.render(template.subject, values),
        "body_text": rules.render(template.body, values), "link": link,
        "link_description": template.link_description, "sender": {"name": staff.full_name, "email": staff.email},
        "company_name": branch.company_name, "expires_at": invitation["expires_at"],
    }, tenant_id=caller.tenant_id, branch_id=caller.branch_id)
    return invitation, event


def _live_invitation(session: Session, caller: Caller, token: str) -> Invitation:
    invitation = session.scalar(sa.select(Invitation).where(Invitation.token_digest == token_digest(token),
                                                            Invitation.tenant_id == caller.tenant_id)
                                .with_for_update())
    if (invitation is None or invitation.used_at is not None or invitation.revoked_at is not None
            or invitation.expires_at <= now()):
        raise InvitationInvalid()
    return invitation


def check_invitation(session: Session, *, caller: Caller, token: str) -> dict[str, str]:
    invitation = _live_invitation(session, caller, token)
    contact = session.get(Contact, invitation.contact_id)
    return {"email": contact.email, "first_name": contact.first_name, "last_name": contact.last_name,
            "company_name": branch_of(session, caller).company_name}


def accept_invitation(session: Session, *, caller: Caller, token: str, first_name: str, last_name: str,
                      password: str, passwords: Passwords, sessions: SessionStore) -> dict[str, str]:
    invitation = _live_invitation(session, caller, token)
    contact = session.get(Contact, invitation.contact_id, with_for_update=True)
    if contact.verified:
        # Already has an account (another link was accepted first): this link must not reset its password.
        invitation.revoked_at = now()
        raise InvitationInvalid()
    errors: dict[str, list[str]] = {}
    if error := first_name_error(first_name):
        errors["first_name"] = [error]
    if error := last_name_error(last_name):
        errors["last_name"] = [error]
    if error := password_error(password, email=contact.email):
        errors["password"] = [error]
    if errors:
        raise ValidationFailed("Some fields are invalid: " + ", ".join(sorted(errors)), errors=errors)
    invitation.used_at = now()
    session.execute(sa.update(Invitation).where(Invitation.contact_id == contact.id, Invitation.id != invitation.id,
                                                Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
                    .values(revoked_at=now()))
    contact.first_name, contact.last_name = first_name.strip(), last_name.strip()
    contact.password_hash = passwords.hash(password)
    contact.verified_at = now()
    contact.revision += 1
    session.flush()
    publish_contact(session, contact)
    session_id = sessions.create(kind="customer", account_id=contact.id, tenant_id=caller.tenant_id,
                                 branch_id=caller.branch_id)
    return {"session_id": session_id, "contact_id": contact.id}
