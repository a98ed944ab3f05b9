"""The gateway's Flask app factory. Starts the branch feed thread unless told not to."""
from __future__ import annotations

import re

from flask import Flask, g, request

from portal_gateway import SERVICE
from portal_gateway.adapters.api_keys import ApiKeyGate
from portal_gateway.adapters.branch_feed import BranchFeed
from portal_gateway.adapters.openapi import IntegrationSpec
from portal_gateway.adapters.sessions import SessionGate
from portal_gateway.adapters.upstreams import UpstreamPool
from portal_gateway.config import GatewaySettings
from portal_gateway.entrypoints.errors import init_error_answers
from portal_gateway.entrypoints.proxy import bp
from portal_gateway.routing.branches import BranchTable
from portal_shared.api_keys import ApiKeyStore
from portal_shared.bus.metrics import UnroutedQueueCollector
from portal_shared.logging import bind_ids, clear_ids, configure_logging, new_id
from portal_shared.sessions import SessionStore
from portal_shared.web.metrics import init_metrics
from portal_shared.web.security_headers import init_security_headers

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def safe_request_id(value: str | None) -> str | None:
    """Keep a client's request id only when it is a plain token (it ends up in logs and headers)."""
    return value if value and _REQUEST_ID.fullmatch(value) else None


def create_app(settings: GatewaySettings | None = None, *, start_feed: bool = True) -> Flask:
    settings = settings or GatewaySettings.from_env()
    configure_logging(SERVICE, settings.log_level)
    app = Flask(__name__, static_folder=None)  # every path belongs to the upstreams, /static included
    app.config.update(BASE_DOMAIN=settings.base_domain, INTERNAL_TOKEN_SECRET=settings.internal_token_secret,
                      OPERATOR_TOKEN=settings.operator_token,
                      # Five 10 MB attachments of a request and their form (docs/adr/0030) pass; services keep
                      # their own, smaller limits.
                      MAX_CONTENT_LENGTH=52 * 1024 * 1024)
    pools = {name: UpstreamPool(name, urls, connect_timeout=settings.connect_timeout,
                                read_timeout=settings.read_timeout)
             for name, urls in settings.upstreams.items()}
    table = BranchTable()
    session_store = SessionStore(settings.redis_url, namespace=settings.session_namespace)
    sessions = SessionGate(session_store)
    app.extensions.update(gateway_pools=pools, gateway_branches=table, gateway_sessions=sessions,
                          gateway_api_keys=ApiKeyGate(ApiKeyStore(session_store)),
                          gateway_integration_spec=IntegrationSpec(pools),
                          # Read from the broker at each scrape of the bare host's /metrics.
                          gateway_metrics=[UnroutedQueueCollector(settings.bus)])
    if start_feed:
        feed = BranchFeed(table, config_pool=pools["portal-config"], bus=settings.bus,
                          secret=settings.internal_token_secret)
        app.extensions["gateway_feed"] = feed
        feed.start()

    # Its own pages and problems, and whatever an upstream forgot: nosniff, Referrer-Policy, a CSP on HTML.
    init_security_headers(app)

    @app.before_request
    def _request_id() -> None:
        # A client may name its request (for support), but never anything about identity.
        g.request_id = safe_request_id(request.headers.get("X-Request-ID")) or new_id()
        clear_ids()
        bind_ids(request_id=g.request_id, correlation_id=g.request_id)

    @app.after_request
    def _echo(response):
        response.headers["X-Request-ID"] = g.request_id
        return response

    init_error_answers(app)  # after the request id is set: a refusal names it
    init_metrics(app, SERVICE, expose_route=False)
    app.register_blueprint(bp)
    return app
