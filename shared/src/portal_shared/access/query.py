"""Reading the property-access read model (service layer): which properties a customer may see,
and what they may do on one. Every answer is scoped to the customer's tenant and branch."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from portal_shared.access.tables import property_access as _access


def _uuids(values: Iterable[Any]) -> list[str]:
    """The values that are UUIDs, normalised; anything else can name no property."""
    out = []
    for value in values:
        try:
            out.append(str(uuid.UUID(str(value))))
        except (TypeError, ValueError, AttributeError):
            continue
    return out


def visible_property_ids(session, *, tenant_id: str, branch_id: str, contact_id: str,
                         requested: list[str] | None = None) -> list[str]:
    """The properties of this branch the contact may see (sorted); only those in `requested` when given.

    Never another tenant's, another branch's or another contact's: a requested property outside
    that set is simply left out.
    """
    ids = _uuids([tenant_id, branch_id, contact_id])
    if len(ids) != 3:
        return []
    tenant_id, branch_id, contact_id = ids
    query = (sa.select(_access.c.property_id)
             .where(_access.c.tenant_id == tenant_id, _access.c.branch_id == branch_id,
                    _access.c.contact_id == contact_id)
             .order_by(_access.c.property_id))
    if requested is not None:
        wanted = _uuids(requested)
        if not wanted:
            return []
        query = query.where(_access.c.property_id.in_(wanted))
    return list(session.scalars(query))


def permissions_on(session, *, tenant_id: str, branch_id: str, contact_id: str, property_id: str) -> frozenset[str] | None:
    """What the contact may do on the property ("pay", "sign"), as identity published it.

    None when they may not see it at all (another tenant's, branch's or contact's property, or an
    unknown one); an empty set when they may see it and nothing more.
    """
    ids = _uuids([tenant_id, branch_id, contact_id, property_id])
    if len(ids) != 4:
        return None
    tenant_id, branch_id, contact_id, property_id = ids
    row = session.execute(
        sa.select(_access.c.permissions)
        .where(_access.c.tenant_id == tenant_id, _access.c.branch_id == branch_id,
               _access.c.contact_id == contact_id, _access.c.property_id == property_id)
    ).first()
    return None if row is None else frozenset(row.permissions)


def may(session, *, tenant_id: str, branch_id: str, contact_id: str, property_id: str, permission: str) -> bool:
    """May this contact `permission` ("pay", "sign") on this property? The one question every service asks."""
    granted = permissions_on(session, tenant_id=tenant_id, branch_id=branch_id, contact_id=contact_id,
                             property_id=property_id)
    return granted is not None and permission in granted
