"""The portal-config Flask app factory."""
from __future__ import annotations

from flask import Flask

from portal_config import SERVICE
from portal_config.bootstrap import Bootstrap, bootstrap
from portal_config.entrypoints.api import blp
from portal_config.entrypoints.settings_api import blp as settings_blp
from portal_shared.web import create_service_app


def create_app(wiring: Bootstrap | None = None) -> Flask:
    wiring = wiring or bootstrap()
    app, api = create_service_app(
        __name__, service=SERVICE, readiness_checks=wiring.readiness_checks,
        internal_token_secret=wiring.settings.internal_token_secret, log_level=wiring.settings.log_level,
        config={"OPERATOR_TOKEN": wiring.operator_token},
    )
    app.extensions["portal_db"] = wiring.db
    app.extensions["portal_address"] = wiring.address
    app.extensions["portal_storage"] = wiring.storage
    api.register_blueprint(blp)
    api.register_blueprint(settings_blp)
    return app
