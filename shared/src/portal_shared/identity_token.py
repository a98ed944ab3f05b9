"""The gateway's short-lived signed internal identity token.

The gateway is the only signer. It strips any identity header a client sends and attaches a
fresh token naming the tenant, branch and (later) the signed-in user; services verify it and
never trust anything else for identity.
"""
from __future__ import annotations

import time
from typing import Any

import jwt

HEADER = "X-Portal-Identity"
AUDIENCE = "portal-services"
ISSUER = "portal-gateway"
DEFAULT_TTL_SECONDS = 60


class InvalidIdentityToken(Exception):
    pass


def sign_identity(claims: dict[str, Any], secret: str, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
    now = int(time.time())
    payload = {**claims, "iat": now, "exp": now + ttl_seconds, "aud": AUDIENCE, "iss": ISSUER}
    return jwt.encode(payload, secret, algorithm="HS256")


def verify_identity(token: str, secret: str) -> dict[str, Any]:
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER,
                          options={"require": ["exp", "iat", "aud", "iss"]})
    except jwt.PyJWTError as exc:
        raise InvalidIdentityToken(str(exc)) from exc


def signed_in_account(claims: dict[str, Any] | None) -> tuple[str, str] | None:
    """(account_kind, account_id) when the token vouches for a live session of *this* tenant, else None.

    The one rule every service applies: the gateway adds account claims only for a session of the
    branch's tenant, and says so in `session_tenant_id`; anything else is anonymous.
    """
    claims = claims or {}
    kind, account_id, tenant_id = claims.get("account_kind"), claims.get("account_id"), claims.get("tenant_id")
    if kind not in ("customer", "staff") or not account_id or not tenant_id:
        return None
    if claims.get("session_tenant_id") != tenant_id:
        return None
    return str(kind), str(account_id)
