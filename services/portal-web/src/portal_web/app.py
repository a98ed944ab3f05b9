"""The portal-web Flask app factory."""
from __future__ import annotations

from flask import Flask

from portal_shared.config import ServiceSettings
from portal_shared.web import create_service_app
from portal_web import SERVICE
from portal_web.assets import init_assets
from portal_web.entrypoints.pages import bp


def create_app(settings: ServiceSettings | None = None) -> Flask:
    settings = settings or ServiceSettings.from_env(SERVICE)
    # No database and no broker: portal-web is ready when it can answer.
    app, _api = create_service_app(__name__, service=SERVICE, internal_token_secret=settings.internal_token_secret,
                                   log_level=settings.log_level)
    init_assets(app)
    app.register_blueprint(bp)
    return app
