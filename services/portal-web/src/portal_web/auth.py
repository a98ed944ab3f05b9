"""Who is signed in (from the gateway's identity token only) and the session cookie portal-web sets.

The cookie holds identity's opaque session id: host-only (no Domain), HttpOnly, SameSite=Lax,
Path=/, Secure when PORTAL_SCHEME=https. The gateway validates it on every request and adds
`account_kind` / `account_id` / `session_tenant_id` to the identity token; portal-web never reads
the session itself.
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, redirect, request, session

from portal_shared.identity_token import signed_in_account
from portal_shared.sessions import COOKIE_NAME

CUSTOMER, STAFF = "customer", "staff"


def account_kind() -> str | None:
    """"customer" or "staff" when the gateway vouches for a live session of this tenant, else None."""
    account = signed_in_account(g.get("identity"))
    return account[0] if account else None


def is_customer() -> bool:
    return account_kind() == CUSTOMER


def is_staff() -> bool:
    return account_kind() == STAFF


def _requires(kind: str, login_path: str):
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if account_kind() != kind:
                return redirect(login_path)
            return view(*args, **kwargs)
        return wrapper
    return decorator


customer_required = _requires(CUSTOMER, "/login")
staff_required = _requires(STAFF, "/staff/login")


def session_cookie_value() -> str | None:
    return request.cookies.get(COOKIE_NAME)


def _cookie_options() -> dict:
    return {"path": "/", "domain": None, "httponly": True, "samesite": "Lax",
            "secure": current_app.config["PORTAL_SECURE_COOKIES"]}


def set_session_cookie(response, session_id: str):
    """Sign-in: the new session's cookie, and a fresh CSRF token for the signed-in pages.
    A session this browser held before is ended, not left alive in Redis."""
    previous = session_cookie_value()
    if previous and previous != session_id:
        _end_quietly(previous)
    session.pop("csrf_token", None)
    response.set_cookie(COOKIE_NAME, session_id, **_cookie_options())
    return response


def _end_quietly(session_id: str) -> None:
    from portal_web.adapters.identity import identity

    try:
        identity().end_session(session_id)
    except Exception:  # noqa: BLE001 - it expires on its own; signing in must not fail for it
        current_app.logger.warning("previous_session_not_ended")


def clear_session_cookie(response):
    """Sign-out: the browser forgets the session (identity has already ended it)."""
    session.pop("csrf_token", None)
    response.delete_cookie(COOKIE_NAME, **_cookie_options())
    return response
