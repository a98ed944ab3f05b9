"""portal-web's own settings, read from the environment once, when the app is built."""
from __future__ import annotations

import os
from dataclasses import dataclass

from portal_shared.config import env_str

DEV_SECRET_KEY = "dev-portal-web-secret-change-me-0123456789"
DEFAULT_IDENTITY_URL = "http://127.0.0.1:8101"


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
    identity_url: str = DEFAULT_IDENTITY_URL   # first entry of UPSTREAM_IDENTITY
    identity_connect_timeout: float = 2.0
    identity_read_timeout: float = 10.0
    identity_get_attempts: int = 3             # GETs only; nothing else is ever retried

    @property
    def secure_cookies(self) -> bool:
        return self.scheme == "https"

    @classmethod
    def from_env(cls) -> "WebSettings":
        return cls(
            secret_key=env_str("PORTAL_WEB_SECRET_KEY", DEV_SECRET_KEY),
            scheme=env_str("PORTAL_SCHEME", "http").strip().lower(),
            identity_url=first_upstream(os.environ.get("UPSTREAM_IDENTITY"), DEFAULT_IDENTITY_URL),
        )
