"""Guards shared by every service's HTTP API.

- `require_operator`: the bootstrap operator token (PORTAL_OPERATOR_TOKEN, in app.config
  OPERATOR_TOKEN) as `Authorization: Bearer <token>`; with no token configured nobody gets in.
- `require_internal_service`: a gateway-signed identity of kind "service" (platform callers).
- `require_integration(scope)`: the back office's API key, as the gateway vouched for it
  (`account_kind` "api_key", the key's company as `tenant_id`, its `scopes`); no service looks
  the key up itself. `current_integration()` names the company.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from flask_smorest import Blueprint

from portal_shared.errors import Forbidden, Unauthenticated

# The scopes an API key may hold: the contract between identity (which issues keys), the gateway
# (which vouches for them) and each service (which checks the one its endpoint needs).
INTEGRATION_SCOPES = (
    "contacts:write", "properties:write",     # identity
    "invoices:write",                          # billing
    "proposals:write",                         # proposals
    "requests:write",                          # requests
    "visits:write",                            # visits
    "webhooks:manage",                         # notifications
)
API_KEY_ACCOUNT_KIND = "api_key"
# OpenAPI extension on each integration operation naming the scope it needs.
REQUIRED_SCOPE_EXTENSION = "x-required-scope"


def operator_token_sent() -> bool:
    """The request carries the operator token (constant-time check; none configured → never)."""
    expected = current_app.config.get("OPERATOR_TOKEN")
    header = request.headers.get("Authorization", "")
    supplied = header[7:] if header.startswith("Bearer ") else ""
    return bool(expected and supplied and hmac.compare_digest(supplied.encode(), expected.encode()))


def require_operator(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not operator_token_sent():
            raise Unauthenticated("Send the operator token as 'Authorization: Bearer <token>'.")
        return view(*args, **kwargs)
    return wrapper


def require_internal_service(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        identity = g.get("identity")
        if not identity:
            raise Unauthenticated("Internal endpoint: a valid internal identity token is required.")
        if identity.get("kind") != "service":
            raise Forbidden("Internal endpoint: for platform services only.")
        return view(*args, **kwargs)
    return wrapper


@dataclass(frozen=True)
class IntegrationClient:
    """The back office calling with an API key: its company (tenant), the key and its scopes."""
    tenant_id: str
    key_id: str
    scopes: frozenset[str]


def integration_client(claims: dict | None) -> IntegrationClient | None:
    claims = claims or {}
    if claims.get("account_kind") != API_KEY_ACCOUNT_KIND or not claims.get("tenant_id") or not claims.get("api_key_id"):
        return None
    return IntegrationClient(tenant_id=str(claims["tenant_id"]), key_id=str(claims["api_key_id"]),
                             scopes=frozenset(s for s in claims.get("scopes") or () if isinstance(s, str)))


def require_integration(scope: str):
    """Guard for an integration endpoint: 401 without a live API key, 403 when it lacks `scope`.

    Put it between `@blp.route` and `@blp.arguments` so it runs before the body is read.
    """
    if scope not in INTEGRATION_SCOPES:
        raise ValueError(f"unknown integration scope {scope!r}")

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            client = integration_client(g.get("identity"))
            if client is None:
                raise Unauthenticated("Send a valid API key as 'Authorization: Bearer <key>'.")
            if scope not in client.scopes:
                raise Forbidden(f"This API key lacks the '{scope}' scope.", code="missing_scope")
            g.portal_integration = client
            return view(*args, **kwargs)
        # The scope goes into the service's OpenAPI document: the gateway's merged integration
        # API reference (/api/docs) reads it from there, so it is written once, here.
        return Blueprint.doc(**{REQUIRED_SCOPE_EXTENSION: scope})(wrapper)
    return decorator


def current_integration() -> IntegrationClient:
    client = g.get("portal_integration")
    if client is None:
        raise Unauthenticated("Send a valid API key as 'Authorization: Bearer <key>'.")
    return client
