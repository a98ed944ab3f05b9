"""Who may read and change a branch portal's settings (and upload its images).

A staff member may when the gateway's identity token says a staff session of the tenant is
signed in (`account_kind == "staff"`, `session_tenant_id == tenant_id`), the branch belongs
to that tenant, and the staff read model (fed by `staff_upserted`) shows them active, holding
`manage_portal_settings`, and working at the branch. Another tenant's branch is "not found".
The operator token is also accepted (bootstrapping, support).
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portal_shared.identity_token import signed_in_account

MANAGE_PORTAL_SETTINGS = "manage_portal_settings"


class Denied(Exception):
    """`status` is 401 (not signed in as staff), 403 (not allowed) or 404 (not this tenant's branch)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class StaffClaims:
    tenant_id: str
    staff_id: str


@dataclass(frozen=True)
class StaffFacts:
    """What the read model knows about a staff member."""

    tenant_id: str
    active: bool
    permissions: Sequence[str]
    branch_ids: Sequence[str]


def staff_claims(identity: Mapping[str, Any] | None) -> StaffClaims:
    """The signed-in staff member named by the identity token, or Denied."""
    if not identity or identity.get("kind") != "request" or not identity.get("account_kind"):
        if identity and identity.get("kind") == "service":
            raise Denied(403, "forbidden", "Platform services do not manage portal settings.")
        raise Denied(401, "unauthenticated", "Sign in as staff to manage the portal settings.")
    if identity.get("account_kind") != "staff":
        raise Denied(403, "forbidden", "Only staff may manage the portal settings.")
    account = signed_in_account(identity)
    if account is None or not _is_uuid(account[1]):
        raise Denied(401, "unauthenticated", "Sign in as staff of this company to manage the portal settings.")
    return StaffClaims(tenant_id=str(identity["tenant_id"]), staff_id=str(uuid.UUID(account[1])))


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return value is not None


def check_branch_tenant(claims: StaffClaims, branch_tenant_id: str | None) -> None:
    if branch_tenant_id is None or str(branch_tenant_id) != claims.tenant_id:
        raise Denied(404, "not_found", "No such branch.")


def check_staff_may_manage(claims: StaffClaims, staff: StaffFacts | None, branch_id: str) -> None:
    if staff is None or str(staff.tenant_id) != claims.tenant_id:
        raise Denied(403, "forbidden", "Your staff account is not known here yet; try again in a moment.")
    if not staff.active:
        raise Denied(403, "forbidden", "Your staff account is not active.")
    if MANAGE_PORTAL_SETTINGS not in staff.permissions:
        raise Denied(403, "missing_permission",
                     "Managing the Customer Portal settings needs the 'Manage Customer Portal Settings' permission.")
    if str(branch_id) not in {str(b) for b in staff.branch_ids}:
        raise Denied(403, "not_in_branch", "You do not work at this branch.")
