"""Sign-in rate limits: slow a guesser, never lock a customer out (ADR 0011 and its 2026 note).

Only failures count. A failed sign-in (401) counts per (email, client address) — so a guesser
elsewhere cannot use up the real customer's attempts — and per client address, which caps
spraying across many accounts. A success, a 403 (no property in this branch) or a 422 never
counts, so many people signing in from one office address never refuse each other. The refusal
is 429 `rate_limited`, naming the wait in its detail and in `Retry-After`.

The counters live in Redis (adapters/failure_counter.py); each sign-in endpoint has its own.
Flask-Limiter still caps reset requests and link attempts per address.
"""
from __future__ import annotations

import functools
import math

from flask import current_app, g, request
from flask_limiter import Limiter
from werkzeug.exceptions import HTTPException

from portal_identity.adapters.failure_counter import Counter, LimitReached
from portal_shared.errors import ApiError, problem


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


limiter = Limiter(key_func=client_address, headers_enabled=True, strategy="moving-window")

FAILURE_WINDOW_SECONDS = 15 * 60
FAILED_SIGN_INS_PER_ACCOUNT_AND_ADDRESS = 5
FAILED_SIGN_INS_PER_ADDRESS = 30
RESET_REQUESTS_PER_ADDRESS = "10 per hour"
LINK_ATTEMPTS_PER_ADDRESS = "30 per hour"


def wait_phrase(seconds: int) -> str:
    """"5 minutes", "1 minute" (never "0 minutes": a wait under a minute reads as one)."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def too_many_attempts(seconds: int):
    return problem(429, "rate_limited", "Too many attempts",
                   f"Too many attempts. Try again in {wait_phrase(seconds)}.",
                   request_id=g.get("request_id"), headers={"Retry-After": str(seconds)})


def sign_in_limits(view):
    """Take a failure slot before the password is checked; give it back unless the answer is a 401."""
    @functools.wraps(view)
    def limited(*args, **kwargs):
        prefix = f"{current_app.extensions['identity'].sessions.namespace}:identity-limits:{request.endpoint}"
        counters = [Counter(f"{prefix}:account-address:{account_and_address()}",
                            FAILED_SIGN_INS_PER_ACCOUNT_AND_ADDRESS),
                    Counter(f"{prefix}:address:{client_address()}", FAILED_SIGN_INS_PER_ADDRESS)]
        try:
            slot = current_app.extensions["identity"].failure_counter.take(counters, window_seconds=FAILURE_WINDOW_SECONDS)
        except LimitReached as limit:
            return too_many_attempts(limit.retry_after_seconds)
        failed = False
        try:
            response = current_app.make_response(view(*args, **kwargs))
            failed = response.status_code == 401
            return response
        except (ApiError, HTTPException) as error:  # refusals are raised, and answered by the app's handlers
            failed = getattr(error, "status", None) == 401 or getattr(error, "code", None) == 401
            raise
        finally:
            if not failed:  # a success, another refusal, or an error of ours: not a guess that failed
                slot.give_back()
    return limited
