"""The notifications Flask app factory."""
from __future__ import annotations

from flask import Flask

from portal_notifications import SERVICE
from portal_notifications.bootstrap import Bootstrap, bootstrap
from portal_notifications.entrypoints.api import blp
from portal_notifications.entrypoints.webhooks_api import webhooks_blp
from portal_shared.web import create_service_app


def create_app(wiring: Bootstrap | None = None) -> Flask:
    wiring = wiring or bootstrap()
    app, api = create_service_app(
        __name__, service=SERVICE, readiness_checks=wiring.readiness_checks,
        internal_token_secret=wiring.settings.internal_token_secret, log_level=wiring.settings.log_level,
        config={"OPERATOR_TOKEN": wiring.operator_token},
    )
    app.extensions["portal_db"] = wiring.db
    app.extensions["portal_webhooks"] = wiring
    api.register_blueprint(blp)
    api.register_blueprint(webhooks_blp)
    return app
