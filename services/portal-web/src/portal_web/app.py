"""The portal-web Flask app factory."""
from __future__ import annotations

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect

from portal_shared.config import ServiceSettings, env_str
from portal_shared.events.portal_settings import normalise_colour
from portal_shared.logging import get_logger
from portal_shared.money import dollars
from portal_shared.web import create_service_app
from portal_web import SERVICE, messages
from portal_web.adapters.billing import BillingClient
from portal_web.adapters.proposal_signing import SigningClient
from portal_web.adapters.visits import VisitsClient
from portal_web.adapters.identity import IdentityClient
from portal_web.adapters.portal_config import PortalConfigClient
from portal_web.adapters.proposals import ProposalsClient
from portal_web.adapters.requests import RequestsClient
from portal_web.adapters.settings_feed import SettingsFeed
from portal_web.adapters.page_cache import PageCache
from portal_web.adapters.summaries import SummaryClient
from portal_web.assets import init_assets
from portal_web.auth import account_kind
from portal_web.branding import Branding, BrandingCache, safe_url
from portal_web.config import DEV_SECRET_KEY, WebSettings
from portal_web.entrypoints.autopay import bp as autopay_bp
from portal_web.entrypoints.customer import bp as customer_bp
from portal_web.entrypoints.invoices import bp as invoices_bp
from portal_web.entrypoints.payments import bp as payments_bp
from portal_web.entrypoints.portal import bp as portal_bp
from portal_web.entrypoints.proposal_responses import bp as proposal_responses_bp
from portal_web.entrypoints.proposal_signing import bp as proposal_signing_bp
from portal_web.entrypoints.proposals import bp as proposals_bp
from portal_web.entrypoints.requests import bp as requests_bp
from portal_web.entrypoints.settings import bp as settings_bp
from portal_web.entrypoints.staff import bp as staff_bp
from portal_web.entrypoints.visits import bp as visits_bp
from portal_web.errors import init_error_pages
from portal_web.page_policy import init_page_policy
from portal_web.shell import us_date

log = get_logger(__name__)
STAFF_CONSOLE = frozenset({"staff", "staff_settings"})  # blueprints of the staff console's pages


def create_app(settings: ServiceSettings | None = None, web: WebSettings | None = None,
               identity_client: IdentityClient | None = None, *, start_feed: bool = True) -> Flask:
    """The app; with `start_feed` (always, except in tests) the settings feed thread starts here,
    which gunicorn runs in each worker after the fork, like the gateway's branch feed."""
    settings = settings or ServiceSettings.from_env(SERVICE)
    web = web or WebSettings.from_env()
    cache = BrandingCache()

    def settings_snapshot_loaded() -> None:
        if not cache.loaded.is_set():
            raise RuntimeError("the portal settings snapshot has not been loaded yet")

    def settings_feed_connected() -> None:
        feed = app.extensions.get("settings_feed")
        if feed is None:
            raise RuntimeError("the portal settings feed is not running")
        if not feed.connected:
            raise RuntimeError("the portal settings feed is not connected to the broker")

    # No database. Ready once every branch's settings are in memory and their events arrive.
    app, _api = create_service_app(__name__, service=SERVICE, internal_token_secret=settings.internal_token_secret,
                                   log_level=settings.log_level,
                                   readiness_checks={"settings_snapshot": settings_snapshot_loaded,
                                                     "settings_feed": settings_feed_connected})
    if web.secret_key == DEV_SECRET_KEY and not settings.dev_mode:
        log.warning("portal_web_dev_secret_key", hint="set PORTAL_WEB_SECRET_KEY outside development")
    app.config.update(
        SECRET_KEY=web.secret_key,
        # Flask's own cookie carries only the CSRF token, one-time messages and the Property Filter.
        SESSION_COOKIE_NAME="portal_csrf",
        SESSION_COOKIE_DOMAIN=None,          # host-only
        SESSION_COOKIE_PATH="/",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=web.secure_cookies,
        PORTAL_SECURE_COOKIES=web.secure_cookies,
        PORTAL_SCHEME=web.scheme,
        PORTAL_BASE_DOMAIN=web.base_domain,
        WTF_CSRF_TIME_LIMIT=3600,
        PAYMENT_TOKENIZER_URL=web.tokenizer_url if web.tokenizer_origin else "",
        PAYMENT_TOKENIZER_ORIGIN=web.tokenizer_origin,
    )
    app.extensions["identity_client"] = identity_client or IdentityClient(
        web.identity_url, connect_timeout=web.identity_connect_timeout, read_timeout=web.identity_read_timeout,
        get_attempts=web.identity_get_attempts)
    config_client = PortalConfigClient(web.portal_config_url)
    app.extensions.update(
        branding_cache=cache,
        portal_config_client=config_client,
        summary_client=SummaryClient(dict(web.summary_urls), connect_timeout=web.summary_connect_timeout,
                                     read_timeout=web.summary_read_timeout),
        # The Invoices pages call billing's customer API at the same address as its summary.
        billing_client=BillingClient(dict(web.summary_urls)["billing"]),
        proposals_client=ProposalsClient(dict(web.summary_urls)["proposals"]),
        proposal_signing_client=SigningClient(dict(web.summary_urls)["proposals"]),
        visits_client=VisitsClient(dict(web.summary_urls)["visits"]),
        requests_client=RequestsClient(dict(web.summary_urls)["requests"]),
    )
    if web.page_cache_seconds > 0:
        app.extensions["page_cache"] = PageCache(settings.redis_url, env_str("SESSION_NAMESPACE", "portal"),
                                                 web.page_cache_seconds)
    if start_feed:
        feed = SettingsFeed(cache, config=config_client, bus=settings.bus, secret=settings.internal_token_secret)
        app.extensions["settings_feed"] = feed
        feed.start()
    CSRFProtect(app)  # every POST, PUT, PATCH and DELETE needs the form's token
    init_assets(app)
    init_page_policy(app)
    init_error_pages(app)
    app.jinja_env.globals["messages"] = messages
    app.jinja_env.filters.update(hex_colour=normalise_colour, safe_image=lambda v: safe_url(v) if v else None,
                                 dollars=dollars, us_date=us_date)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.register_blueprint(customer_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(invoices_bp)
    app.register_blueprint(proposals_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(payments_bp)
    app.register_blueprint(autopay_bp)
    app.register_blueprint(proposal_signing_bp)
    app.register_blueprint(proposal_responses_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(settings_bp)

    @app.context_processor
    def _page_context():
        branch = g.get("identity") or {}
        # A preview renders with the staff member's unsaved settings; every other page with the saved ones,
        # the staff console's pages on readable colours whatever the branch picked.
        branding: Branding = g.get("branding_override") or cache.for_branch(branch.get("branch_id"))
        if "branding_override" not in g and request.blueprint in STAFF_CONSOLE:
            branding = branding.for_console()
        company = branch.get("company_name") or ""
        kind = g.preview_account_kind if "preview_account_kind" in g else account_kind()
        return {"branch": branch, "account_kind": kind, "branding": branding,
                "page_title": branding.page_title or (f"{company} Customer Portal" if company else "Customer Portal"),
                # Saved settings may leave the bar's title empty on purpose (a logo with the name in it).
                "nav_title": branding.nav_title if branding.version else (branding.nav_title or company)}

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
