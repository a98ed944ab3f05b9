"""RFC 9457 problem+json errors with stable, machine-readable codes.

Handlers raise `ApiError` (or a subclass); the one table in `problem_from_http_exception`
turns framework errors into the same shape, so clients see one format everywhere.
"""
from __future__ import annotations

from typing import Any

from flask import Response, json
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"

# Stable codes for the HTTP statuses the framework raises on its own.
_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


class ApiError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(self, detail: str | None = None, *, status: int | None = None, code: str | None = None,
                 title: str | None = None, errors: dict[str, Any] | None = None):
        super().__init__(detail or self.title)
        self.detail = detail
        self.status = status or self.status
        self.code = code or self.code
        self.title = title or self.title
        self.errors = errors


class NotFound(ApiError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(ApiError):
    status, code, title = 409, "conflict", "Conflict"


class Unauthenticated(ApiError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class Forbidden(ApiError):
    status, code, title = 403, "forbidden", "Forbidden"


class ValidationFailed(ApiError):
    status, code, title = 422, "validation_failed", "Validation failed"


def problem(status: int, code: str, title: str, detail: str | None = None, *,
            errors: dict[str, Any] | None = None, request_id: str | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": f"https://errors.portal.example/{code}", "title": title,
                            "status": status, "code": code}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    if request_id:
        body["request_id"] = request_id
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def problem_from_api_error(error: ApiError, request_id: str | None = None) -> Response:
    return problem(error.status, error.code, error.title, error.detail, errors=error.errors,
                   request_id=request_id)


def problem_from_http_exception(error: HTTPException, request_id: str | None = None) -> Response:
    status = error.code or 500
    # webargs/flask-smorest attach field messages as data["messages"]; name the fields.
    errors = None
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if messages:
        # Flatten {"json": {"field": [...]}} to {"field": [...]} — the location is noise to clients.
        errors = {}
        for location_errors in messages.values():
            if isinstance(location_errors, dict):
                errors.update(location_errors)
    detail = error.description if status != 422 else "Some fields are invalid: " + ", ".join(sorted(errors or {}))
    headers = dict(error.get_headers()) if hasattr(error, "get_headers") else {}
    headers.pop("Content-Type", None)
    return problem(status, _CODES_BY_STATUS.get(status, "error"), error.name, detail, errors=errors,
                   request_id=request_id, headers=headers)
