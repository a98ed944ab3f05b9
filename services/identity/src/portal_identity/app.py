"""The identity Flask app factory."""
from __future__ import annotations

from flask import Flask

from portal_identity import SERVICE
from portal_identity.bootstrap import Bootstrap, bootstrap
from portal_identity.entrypoints.api import customer, integration, staff_bp
from portal_identity.entrypoints.limits import limiter
from portal_shared.web import create_service_app


def create_app(wiring: Bootstrap | None = None) -> Flask:
    wiring = wiring or bootstrap()
    app, api = create_service_app(
        __name__, service=SERVICE, readiness_checks=wiring.readiness_checks,
        internal_token_secret=wiring.settings.internal_token_secret, log_level=wiring.settings.log_level,
        config={"OPERATOR_TOKEN": wiring.operator_token,
                "RATELIMIT_STORAGE_URI": wiring.settings.redis_url,
                "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
                "RATELIMIT_KEY_PREFIX": f"{wiring.sessions.namespace}:identity-limits"},
    )
    app.extensions["identity"] = wiring
    app.extensions["portal_db"] = wiring.db
    limiter.init_app(app)
    for blueprint in (customer, staff_bp, integration):
        api.register_blueprint(blueprint)
    return app
