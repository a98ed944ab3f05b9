"""Who may read the outbound log: the bootstrap operator (PORTAL_OPERATOR_TOKEN), as in portal-config.

Staff accounts arrive with identity; the gateway's internal token will then carry their role.
"""
from __future__ import annotations

import hmac
from functools import wraps

from flask import current_app, request

from portal_shared.errors import Unauthenticated


def require_operator(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        expected = current_app.config.get("OPERATOR_TOKEN")
        header = request.headers.get("Authorization", "")
        supplied = header[7:] if header.startswith("Bearer ") else ""
        # Constant-time comparison; with no token configured, nobody gets in.
        if not expected or not supplied or not hmac.compare_digest(supplied.encode(), expected.encode()):
            raise Unauthenticated("Send the operator token as 'Authorization: Bearer <token>'.")
        return view(*args, **kwargs)
    return wrapper
