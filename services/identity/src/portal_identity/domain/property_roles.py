"""What a contact's role on a property lets them do, beyond seeing it. identity owns the roles and
this rule; it publishes the result with every `property_access_changed`, so billing, proposals and
the rest ask their read model ("may this contact pay / sign here?") and never re-derive it.

The seeds: every contact of a property sees its invoices and proposals; the Primary contact and
the Billing contact pay invoices and sign proposals; Other contacts only look.
"""
from __future__ import annotations

from collections.abc import Iterable

PRIMARY, BILLING, OTHER = "Primary", "Billing", "Other"
PAY, SIGN = "pay", "sign"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    PRIMARY: frozenset({PAY, SIGN}),
    BILLING: frozenset({PAY, SIGN}),
    OTHER: frozenset(),
}


def permissions_for(roles: Iterable[str]) -> list[str]:
    """The union of what the roles grant, sorted (an unknown role grants nothing)."""
    return sorted(set().union(*(ROLE_PERMISSIONS.get(role, frozenset()) for role in roles)))
PROPERTY_ROLES = tuple(ROLE_PERMISSIONS)
