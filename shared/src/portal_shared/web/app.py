"""The base of every service's Flask app: OpenAPI, problem+json, request ids, logs, health, metrics,
safety headers.

A service's `create_app` calls `create_service_app` and registers its own blueprints on the
returned `ServiceApi`. Nothing here connects: readiness checks connect when called.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from portal_shared.errors import ApiError, problem, problem_from_api_error, problem_from_http_exception
from portal_shared.identity_token import HEADER as IDENTITY_HEADER
from portal_shared.identity_token import InvalidIdentityToken, verify_identity
from portal_shared.logging import bind_ids, clear_ids, configure_logging, get_logger, new_id
from portal_shared.page_versions import init_web_hook as init_page_versions
from portal_shared.web.guards import init_guards, install_converters
from portal_shared.web.health import init_health
from portal_shared.web.metrics import init_metrics
from portal_shared.web.openapi import (
    ProblemDetailsSchema,
    ProblemResponsesPlugin,
    register_error_responses,
    register_pagination_header,
)
from portal_shared.web.security_headers import init_security_headers

log = get_logger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"


class ServiceApi(Api):
    """flask-smorest's Api, answering every HTTP error as problem+json and documenting it so."""

    ERROR_SCHEMA = ProblemDetailsSchema

    def _register_responses(self):
        register_error_responses(self.spec)

    def _register_pagination_header(self):
        register_pagination_header(self.spec)

    def handle_http_exception(self, error: HTTPException):
        return problem_from_http_exception(error, getattr(g, "request_id", None))


def create_service_app(import_name: str, *, service: str, version: str = "0.1.0",
                       readiness_checks: dict[str, Callable[[], None]] | None = None,
                       internal_token_secret: str | None = None, log_level: str = "INFO",
                       config: dict | None = None) -> tuple[Flask, ServiceApi]:
    configure_logging(service, log_level)
    app = Flask(import_name)
    app.config.update(
        API_TITLE=f"portal {service}",
        API_VERSION=version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=10 * 1024 * 1024,
        SERVICE_NAME=service,
        INTERNAL_TOKEN_SECRET=internal_token_secret,
    )
    app.config.update(config or {})
    install_converters(app)  # before any blueprint adds its rules
    api = ServiceApi(app, spec_kwargs={"extra_plugins": [ProblemResponsesPlugin()]})
    init_security_headers(app)  # first registered, last to run: nosniff on every answer, a CSP on HTML
    _init_request_context(app)
    init_guards(app)  # after the request id is bound, so a refusal carries it
    _init_error_handlers(app)
    init_health(app, service, readiness_checks or {})
    init_metrics(app, service)
    init_page_versions(app, service)  # a successful write moves the tenant's page version (ADR 0035)
    return app, api


def _init_request_context(app: Flask) -> None:
    @app.before_request
    def _bind_request() -> None:
        g.request_id = request.headers.get(REQUEST_ID_HEADER) or new_id()
        clear_ids()
        bind_ids(request_id=g.request_id, correlation_id=g.request_id)
        g.identity = _identity_from_header(app)

    @app.after_request
    def _echo_request_id(response):
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        return response


def _identity_from_header(app: Flask) -> dict | None:
    """Claims of the gateway's token, or None. Services authorise from these claims only."""
    token = request.headers.get(IDENTITY_HEADER)
    secret = app.config.get("INTERNAL_TOKEN_SECRET")
    if not token or not secret:
        return None
    try:
        return verify_identity(token, secret)
    except InvalidIdentityToken as exc:
        log.warning("identity_token_rejected", error=str(exc))
        return None


def _init_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return problem_from_api_error(error, g.get("request_id"))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return problem_from_http_exception(error, g.get("request_id"))
        log.exception("unhandled_error", path=request.path)
        return problem(500, "internal_error", "Internal error",
                       "Something went wrong on our side; the request id helps us find it.",
                       request_id=g.get("request_id"))
