"""Staff roles and what each may do. Defaults follow the seeds: the four roles that may send
Customer Portal invitations have both *Send Customer Portal Invitation* and *Bulk Email Contacts*."""
from __future__ import annotations

SEND_PORTAL_INVITATION = "send_portal_invitation"
BULK_EMAIL_CONTACTS = "bulk_email_contacts"
VIEW_CONTACTS = "view_contacts"
MANAGE_PORTAL_SETTINGS = "manage_portal_settings"
MANAGE_API_KEYS = "manage_api_keys"

PERMISSION_LABELS = {
    SEND_PORTAL_INVITATION: "Send Customer Portal Invitation",
    BULK_EMAIL_CONTACTS: "Bulk Email Contacts",
    VIEW_CONTACTS: "View Contacts",
    MANAGE_PORTAL_SETTINGS: "Manage Customer Portal Settings",
    MANAGE_API_KEYS: "Manage Integration API Keys",
}

_INVITERS = {SEND_PORTAL_INVITATION, BULK_EMAIL_CONTACTS, VIEW_CONTACTS}
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "System Admin": frozenset(PERMISSION_LABELS),
    "Branch Admin": frozenset(_INVITERS | {MANAGE_PORTAL_SETTINGS}),
    "Branch Manager": frozenset(_INVITERS),
    "Account Manager": frozenset(_INVITERS),
    "Sales Rep": frozenset({VIEW_CONTACTS}),
    "Operations Manager": frozenset({VIEW_CONTACTS}),
    "Crew Leader": frozenset(),
}
ROLES = tuple(ROLE_PERMISSIONS)
INVITATION_PERMISSIONS = (SEND_PORTAL_INVITATION, BULK_EMAIL_CONTACTS)


def permissions_of(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


def may_invite(role: str) -> bool:
    return all(p in permissions_of(role) for p in INVITATION_PERMISSIONS)


def missing_for_invitation(role: str) -> list[str]:
    return [PERMISSION_LABELS[p] for p in INVITATION_PERMISSIONS if p not in permissions_of(role)]
