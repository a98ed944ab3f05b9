"""Who is asking, and may they (web layer): the signed-in customer from the gateway's token, and
the one check an endpoint makes before acting on a property."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import g

from portal_shared.access.query import permissions_on
from portal_shared.errors import Forbidden, NotFound, Unauthenticated
from portal_shared.identity_token import signed_in_account


@dataclass(frozen=True)
class Customer:
    tenant_id: str
    branch_id: str
    contact_id: str


def signed_in_customer(claims: dict | None) -> Customer:
    """The customer named by the gateway's token, or Unauthenticated (401).

    Needs account_kind "customer", account_id, tenant_id, branch_id, and a session of this
    tenant (session_tenant_id == tenant_id).
    """
    account = signed_in_account(claims)
    if account is None or account[0] != "customer" or not claims.get("branch_id"):
        raise Unauthenticated("Sign in to continue.")
    return Customer(tenant_id=str(claims["tenant_id"]), branch_id=str(claims["branch_id"]), contact_id=account[1])


def require_customer(view):
    """Guard for a Flask view: 401 unless a customer is signed in; `current_customer()` names them.

    Put it between `@blp.route` and `@blp.arguments` so it runs before the arguments are read.
    """
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.portal_customer = signed_in_customer(g.get("identity"))
        return view(*args, **kwargs)
    return wrapper


def current_customer() -> Customer:
    customer = g.get("portal_customer")
    if customer is None:
        raise Unauthenticated("Sign in to continue.")
    return customer


ACTION_WORDS = {"pay": "pay invoices", "sign": "sign proposals"}


def authorize(session, customer: Customer, property_id: str, permission: str | None = None) -> None:
    """Raise unless the customer may see the property (404, as for a property that does not exist)
    and, when `permission` is given, take that action there (403)."""
    granted = permissions_on(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                             contact_id=customer.contact_id, property_id=property_id)
    if granted is None:
        raise NotFound("No such property.")
    if permission is not None and permission not in granted:
        raise Forbidden(f"Your role on this property does not allow you to {ACTION_WORDS.get(permission, permission)}.",
                        code=f"may_not_{permission}")
