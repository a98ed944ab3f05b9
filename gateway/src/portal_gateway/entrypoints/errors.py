"""The gateway's own error answers: problem+json under /api/, a plain HTML page elsewhere.

API clients (the back office, portal-web's scripts, schemathesis) parse every error as RFC 9457
problem+json, so anything the gateway refuses by itself under `/api/` — unknown host or branch
(404), a disabled portal (403), an unknown service (404), a method it does not route (405), a body
over its cap (413), a request line over `MAX_URI_BYTES` (414), a bad path (400) — answers in that
format; browsers get the HTML page for the same refusal.

Long request lines: gunicorn refuses a line over its `limit_request_line` itself, in plain HTML,
before the app sees it. The gateway's gunicorn allows the most it can (8190 bytes) and the app
refuses from `MAX_URI_BYTES` (4096) on, so a too-long URI gets our 414 problem unless the whole
line passes 8 KiB. The bound also keeps forwarded lines under the services' own gunicorn limit.
"""
from __future__ import annotations

import secrets

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from portal_shared.errors import problem
from portal_shared.web.security_headers import content_security_policy

MAX_URI_BYTES = 4096
_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
          413: "payload_too_large", 414: "uri_too_long"}


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def error_answer(status: int, code: str, title: str, message: str) -> Response:
    """The gateway's refusal, in the format the caller reads: problem+json for /api/, else a page."""
    if is_api_path(request.path):
        return problem(status, code, title, message, request_id=g.get("request_id"))
    nonce = secrets.token_urlsafe(16)  # the page's one inline <style>; no script at all
    return Response(render_template("page.html", title=title, message=message, style_nonce=nonce), status=status,
                    mimetype="text/html",
                    headers={"Content-Security-Policy": content_security_policy(style_nonce=nonce)})


def _request_uri_length() -> int:
    # gunicorn and werkzeug keep the URI as sent; rebuild it only when neither does.
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw is None:
        raw = request.full_path
    return len(raw.encode("latin-1", "replace"))


def init_error_answers(app: Flask) -> None:
    @app.before_request
    def _refuse_long_uris():
        if _request_uri_length() > MAX_URI_BYTES:
            return error_answer(414, "uri_too_long", "URI too long",
                                f"The path and query may be at most {MAX_URI_BYTES} bytes.")
        return None

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        response = error_answer(status, _CODES.get(status, "error"), error.name, error.description or error.name)
        if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response
