"""Sign-in rate limits (Flask-Limiter, Redis): slow an attacker, never lock a customer out.

Failed sign-ins count per (email, client address): a guesser elsewhere cannot use up the real
customer's attempts. Every attempt also counts per client address, which caps spraying across
many accounts. Only failures (401) count toward the per-account limit.
"""
from __future__ import annotations

from flask import g, request
from flask_limiter import Limiter


def client_address() -> str:
    identity = g.get("identity") or {}
    return identity.get("client_ip") or request.remote_addr or "unknown"


def account_and_address() -> str:
    # Runs before the body is validated: a JSON array, string or number counts as "no email"
    # (the schema then refuses it with 422), never as an error here.
    body = request.get_json(silent=True)
    email = body.get("email", "") if isinstance(body, dict) else ""
    email = str(email).strip().lower()[:320]
    return f"{email}|{client_address()}"


limiter = Limiter(key_func=client_address, headers_enabled=True, strategy="moving-window",
)

SIGN_IN_PER_ADDRESS = "30 per minute"
FAILED_SIGN_IN_PER_ACCOUNT_AND_ADDRESS = "5 per 15 minutes"
# Counted before the password check: failures are only counted after the answer, so parallel
# guesses could all pass the failure check at once. This caps them whatever their timing.
SIGN_IN_PER_ACCOUNT_AND_ADDRESS = "10 per 15 minutes"
RESET_REQUESTS_PER_ADDRESS = "10 per hour"
LINK_ATTEMPTS_PER_ADDRESS = "30 per hour"


def sign_in_limits(view):
    view = limiter.limit(FAILED_SIGN_IN_PER_ACCOUNT_AND_ADDRESS, key_func=account_and_address,
                         deduct_when=lambda response: response.status_code == 401, scope="failed-sign-in")(view)
    view = limiter.limit(SIGN_IN_PER_ACCOUNT_AND_ADDRESS, key_func=account_and_address,
                         scope="sign-in-account")(view)
    return limiter.limit(SIGN_IN_PER_ADDRESS, scope="sign-in")(view)
