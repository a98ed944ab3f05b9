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
