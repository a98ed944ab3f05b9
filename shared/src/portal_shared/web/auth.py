"""Guards shared by every service's HTTP API.

- `require_operator`: the bootstrap operator token (PORTAL_OPERATOR_TOKEN, in app.config
  OPERATOR_TOKEN) as `Authorization: Bearer <token>`; with no token configured nobody gets in.
- `require_internal_service`: a gateway-signed identity of kind "service" (platform callers).
"""
from __future__ import annotations

import hmac
from functools import wraps

from flask import current_app, g, request

from portal_shared.errors import Forbidden, Unauthenticated


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
