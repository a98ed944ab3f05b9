"""The portal-web Flask app factory."""
from __future__ import annotations

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect

from portal_shared.config import ServiceSettings
from portal_shared.logging import get_logger
from portal_shared.web import create_service_app
from portal_web import SERVICE, messages
from portal_web.adapters.identity import IdentityClient
from portal_web.assets import init_assets
from portal_web.auth import account_kind
from portal_web.config import DEV_SECRET_KEY, WebSettings
from portal_web.entrypoints.customer import bp as customer_bp
from portal_web.entrypoints.staff import bp as staff_bp
from portal_web.errors import init_error_pages

log = get_logger(__name__)


def create_app(settings: ServiceSettings | None = None, web: WebSettings | None = None,
               identity_client: IdentityClient | None = None) -> Flask:
    settings = settings or ServiceSettings.from_env(SERVICE)
    web = web or WebSettings.from_env()
    # No database and no broker: portal-web is ready when it can answer.
    app, _api = create_service_app(__name__, service=SERVICE, internal_token_secret=settings.internal_token_secret,
                                   log_level=settings.log_level)
    if web.secret_key == DEV_SECRET_KEY and not settings.dev_mode:
        log.warning("portal_web_dev_secret_key", hint="set PORTAL_WEB_SECRET_KEY outside development")
    app.config.update(
        SECRET_KEY=web.secret_key,
        # Flask's own cookie carries only the CSRF token and one-time messages.
        SESSION_COOKIE_NAME="portal_csrf",
        SESSION_COOKIE_DOMAIN=None,          # host-only
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure_cookies,
        PORTAL_SECURE_COOKIES=web.secure_cookies,
        WTF_CSRF_TIME_LIMIT=3600,
    )
    app.extensions["identity_client"] = identity_client or IdentityClient(
        web.identity_url, connect_timeout=web.identity_connect_timeout, read_timeout=web.identity_read_timeout,
        get_attempts=web.identity_get_attempts)
    CSRFProtect(app)  # every POST, PUT, PATCH and DELETE needs the form's token
    init_assets(app)
    init_error_pages(app)
    app.jinja_env.globals["messages"] = messages
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.register_blueprint(customer_bp)
    app.register_blueprint(staff_bp)

    @app.context_processor
    def _page_context():
        return {"branch": g.get("identity") or {}, "account_kind": account_kind()}

    @app.after_request
    def _page_headers(response):
        if request.endpoint != "static":
            # Pages show personal data and carry one-time tokens: never cached, never framed.
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    return app
