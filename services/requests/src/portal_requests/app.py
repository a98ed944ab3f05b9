"""The requests Flask app factory: the platform parts and the customer's summary."""
from __future__ import annotations

from flask import Flask

from portal_requests import SERVICE
from portal_requests.entrypoints.api import customer
from portal_shared.config import ServiceSettings
from portal_shared.db import Database
from portal_shared.web import create_service_app
from portal_shared.web.health import standard_checks


def create_app(settings: ServiceSettings | None = None) -> Flask:
    settings = settings or ServiceSettings.from_env(SERVICE)
    db = Database(settings.database_url)
    app, api = create_service_app(
        __name__, service=SERVICE, readiness_checks=standard_checks(db, settings.bus),
        internal_token_secret=settings.internal_token_secret, log_level=settings.log_level,
    )
    app.extensions["portal_db"] = db
    api.register_blueprint(customer)
    return app
