"""portal-web's own settings, read from the environment once, when the app is built."""
from __future__ import annotations

import os
from urllib.parse import urlsplit
from dataclasses import dataclass

from portal_shared.config import env_float, env_str

DEV_SECRET_KEY = "dev-portal-web-secret-change-me-0123456789"
DEFAULT_IDENTITY_URL = "http://127.0.0.1:8101"
# The local ports of `make run` (deploy/devstack), used when UPSTREAM_<SERVICE> is not set.
DEFAULT_PORTAL_CONFIG_URL = "http://127.0.0.1:8102"
DEFAULT_SUMMARY_URLS = {"billing": "http://127.0.0.1:8103", "proposals": "http://127.0.0.1:8104",
                        "requests": "http://127.0.0.1:8105", "visits": "http://127.0.0.1:8106"}


def first_upstream(raw: str | None, default: str) -> str:
    """The first base URL of an `UPSTREAM_<SERVICE>` list (comma-separated, as the gateway reads it).

    `http+dns://name:port` is the gateway's way of balancing over every address of a name; a plain
    HTTP client resolves the name itself, so it becomes `http://name:port`.
    """
    entries = [u.strip().rstrip("/") for u in (raw or "").split(",") if u.strip()]
    url = entries[0] if entries else default
    for scheme in ("http+dns://", "https+dns://"):
        if url.startswith(scheme):
            url = scheme.replace("+dns", "") + url[len(scheme):]
    return url


@dataclass(frozen=True)
class WebSettings:
    secret_key: str = DEV_SECRET_KEY
    scheme: str = "http"                       # PORTAL_SCHEME: "https" makes every cookie Secure
    base_domain: str = "localhost:8080"        # PORTAL_BASE_DOMAIN: a portal's address is <slug>.<base_domain>
    identity_url: str = DEFAULT_IDENTITY_URL   # first entry of UPSTREAM_IDENTITY
    identity_connect_timeout: float = 2.0
    identity_read_timeout: float = 10.0
    identity_get_attempts: int = 3             # GETs only; nothing else is ever retried
    portal_config_url: str = DEFAULT_PORTAL_CONFIG_URL   # first entry of UPSTREAM_PORTAL_CONFIG
    summary_urls: tuple[tuple[str, str], ...] = tuple(DEFAULT_SUMMARY_URLS.items())  # UPSTREAM_BILLING, ...
    summary_connect_timeout: float = 0.5       # a card waits this long for a connection...
    summary_read_timeout: float = 2.0          # ...and this long for the answer, then says "Unavailable"
    # PAYMENT_TOKENIZER_URL: the processor's hosted tokenizer page (card fields on its origin, ADR 0021);
    # empty: cards cannot be added in the portal (saved methods and ACH still work).
    tokenizer_url: str = ""
    # PORTAL_WEB_PAGE_CACHE_SECONDS: how long a customer's account and summaries may be kept between pages
    # when nothing moved their page versions (adapters/page_cache.py); 0 switches the cache off.
    page_cache_seconds: float = 60.0

    @property
    def tokenizer_origin(self) -> str | None:
        """scheme://host[:port] of the tokenizer page: what frame-src allows and postMessage must come from."""
        parts = urlsplit(self.tokenizer_url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            return None
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def secure_cookies(self) -> bool:
        return self.scheme == "https"

    @classmethod
    def from_env(cls) -> "WebSettings":
        return cls(
            secret_key=env_str("PORTAL_WEB_SECRET_KEY", DEV_SECRET_KEY),
            scheme=env_str("PORTAL_SCHEME", "http").strip().lower(),
            base_domain=env_str("PORTAL_BASE_DOMAIN", "localhost:8080").strip().lower(),
            identity_url=first_upstream(os.environ.get("UPSTREAM_IDENTITY"), DEFAULT_IDENTITY_URL),
            portal_config_url=first_upstream(os.environ.get("UPSTREAM_PORTAL_CONFIG"), DEFAULT_PORTAL_CONFIG_URL),
            summary_urls=tuple((name, first_upstream(os.environ.get(f"UPSTREAM_{name.upper()}"), default))
                               for name, default in DEFAULT_SUMMARY_URLS.items()),
            tokenizer_url=env_str("PAYMENT_TOKENIZER_URL", "").strip(),
            page_cache_seconds=env_float("PORTAL_WEB_PAGE_CACHE_SECONDS", cls.page_cache_seconds),
        )
