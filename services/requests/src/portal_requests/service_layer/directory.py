"""requests' copy of identity's directory: the properties (name, address, the back office's id, and the
staff who look after each: account owner, operations manager), contacts (who opened a request, who
comments) and staff members (their names and emails). Fed by `property_upserted`, `contact_upserted` and
`staff_upserted` through the `requests.directory` consumer with the shared handlers
(`portal_shared.directory`: newest copy wins, never across tenants). It is how a new request's email
finds the property's account owner and operations manager without asking identity.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_requests.adapters.orm import contacts, properties, staff
from portal_shared import directory

DIRECTORY_HANDLERS = directory.directory_handlers(properties, contacts, staff)


def property_by_external_id(session: Session, *, tenant_id: str, external_id: str):
    return directory.property_by_external_id(session, properties, tenant_id=tenant_id, external_id=external_id)


def property_row(session: Session, *, tenant_id: str, property_id: str):
    return session.execute(sa.select(properties).where(
        properties.c.tenant_id == tenant_id, properties.c.id == property_id)).first()


def person(row) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"name": f"{row.first_name} {row.last_name}".strip(), "email": row.email}


def contact(session: Session, *, tenant_id: str, contact_id: str | None) -> dict[str, Any] | None:
    if contact_id is None:
        return None
    row = session.execute(sa.select(contacts).where(
        contacts.c.tenant_id == tenant_id, contacts.c.id == contact_id)).first()
    found = person(row)
    return {"contact_id": contact_id, **found} if found else None


def property_staff(session: Session, *, tenant_id: str, prop, roles: tuple[str, ...]) -> list[dict[str, Any]]:
    """The active staff members the property names in these roles ("account_owner", "operations_manager"),
    as [{role, name, email}]; a role nobody fills, or whose staff member has not arrived yet, is left out."""
    found = []
    for role in roles:
        staff_id = getattr(prop, f"{role}_id", None)
        if staff_id is None:
            continue
        row = session.execute(sa.select(staff).where(
            staff.c.tenant_id == tenant_id, staff.c.id == staff_id, staff.c.active.is_(True))).first()
        if row is not None:
            found.append({"role": role, **person(row)})
    return found
