"""The staff read model (fed by identity's `staff_upserted`) and who may manage a branch's settings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_config.adapters.orm import Branch, StaffMember
from portal_config.domain.access import (
    Denied,
    StaffFacts,
    check_branch_tenant,
    check_staff_may_manage,
    staff_claims,
)
from portal_shared.errors import ApiError, Forbidden, NotFound, Unauthenticated
from portal_shared.events import Envelope
from portal_shared.events.contracts import contract_for

STAFF_CONSUMER = "portal-config.staff"


def apply_staff_upserted(session: Session, envelope: Envelope) -> None:
    """Handler of `staff_upserted`: replace our copy, unless it is newer than this event."""
    data = contract_for(envelope.type, envelope.version).load(envelope.data)  # refuses a malformed event
    if not envelope.tenant_id:
        raise ValueError("staff_upserted without a tenant_id in its envelope")
    occurred_at = datetime.fromisoformat(envelope.occurred_at)
    staff_id = str(data["staff_id"])
    staff = session.get(StaffMember, staff_id, with_for_update=True)
    if staff is not None and staff.event_occurred_at > occurred_at:
        return  # an older copy arriving late
    if staff is None:
        staff = StaffMember(id=staff_id)
        session.add(staff)
    staff.tenant_id = str(envelope.tenant_id)
    staff.email, staff.first_name, staff.last_name = data["email"], data["first_name"], data["last_name"]
    staff.role, staff.active = data["role"], data["active"]
    staff.permissions = sorted(set(data["permissions"]))
    staff.branch_ids = sorted({str(b) for b in data["branch_ids"]})
    staff.event_occurred_at = occurred_at
    session.flush()


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member, or the operator (staff_id None)."""

    staff_id: str | None


OPERATOR = Actor(staff_id=None)


def _api_error(denied: Denied) -> ApiError:
    kind = {401: Unauthenticated, 403: Forbidden, 404: NotFound}[denied.status]
    return kind(denied.message, code=denied.code)


def authorise_settings(session: Session, *, branch_id: str, identity: dict[str, Any] | None,
                       operator: bool) -> Actor:
    """The actor allowed to read and change `branch_id`'s settings, or the 401/403/404 to answer."""
    branch = session.get(Branch, branch_id)
    if operator:
        if branch is None:
            raise NotFound(f"No branch {branch_id}.")
        return OPERATOR
    try:
        claims = staff_claims(identity)
        check_branch_tenant(claims, branch.tenant_id if branch else None)
        staff = session.get(StaffMember, claims.staff_id)
        facts = None if staff is None else StaffFacts(tenant_id=staff.tenant_id, active=staff.active,
                                                      permissions=staff.permissions, branch_ids=staff.branch_ids)
        check_staff_may_manage(claims, facts, branch_id)
    except Denied as denied:
        raise _api_error(denied) from None
    return Actor(staff_id=claims.staff_id)


def staff_names(session: Session, staff_ids: set[str]) -> dict[str, str]:
    ids = {s for s in staff_ids if s}
    if not ids:
        return {}
    return {s.id: s.full_name for s in session.scalars(sa.select(StaffMember).where(StaffMember.id.in_(ids)))}
