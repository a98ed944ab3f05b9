"""The HTTP side every service shares: app factory base, request ids, errors, health, metrics."""
from portal_shared.web.app import ServiceApi, create_service_app

__all__ = ["ServiceApi", "create_service_app"]
