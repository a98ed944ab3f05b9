"""Gateway settings: where each service runs (several URLs each), timeouts, the portal domain, sessions,
and the operator token that opens the bare host's /readyz and /metrics."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal_shared.config import (DEV_INTERNAL_SECRET, BusSettings, env_bool, env_float, env_str,
                                  operator_token_from_env, require_production_secret, upstream_urls)

# Every routable service, with its dev address. `/api/<name>/...` goes to it.
DEFAULT_UPSTREAMS = {
    "identity": "http://127.0.0.1:8101",
    "portal-config": "http://127.0.0.1:8102",
    "billing": "http://127.0.0.1:8103",
    "proposals": "http://127.0.0.1:8104",
    "requests": "http://127.0.0.1:8105",
    "visits": "http://127.0.0.1:8106",
    "notifications": "http://127.0.0.1:8107",
    "portal-web": "http://127.0.0.1:8108",
}


@dataclass(frozen=True)
class GatewaySettings:
    base_domain: str
    upstreams: dict[str, list[str]]
    internal_token_secret: str
    bus: BusSettings = field(default_factory=BusSettings)
    connect_timeout: float = 2.0
    read_timeout: float = 30.0
    log_level: str = "INFO"
    redis_url: str = "redis://localhost:6379/0"   # where identity keeps sessions
    session_namespace: str = "portal"
    operator_token: str | None = None             # none: /readyz and /metrics open to nobody on the public port

    @classmethod
    def from_env(cls) -> "GatewaySettings":
        # UPSTREAM_BILLING="http://127.0.0.1:8103,http://127.0.0.1:8113"; http+dns://billing:8000 for replicas
        upstreams = {service: upstream_urls(service, default) for service, default in DEFAULT_UPSTREAMS.items()}
        dev_mode = env_bool("PORTAL_DEV", False)
        return cls(
            base_domain=env_str("PORTAL_BASE_DOMAIN", "localhost:8080").lower(),
            upstreams=upstreams,
            internal_token_secret=require_production_secret(
                "INTERNAL_TOKEN_SECRET", env_str("INTERNAL_TOKEN_SECRET", DEV_INTERNAL_SECRET), DEV_INTERNAL_SECRET,
                dev_mode),
            bus=BusSettings.from_env(),
            connect_timeout=env_float("UPSTREAM_CONNECT_TIMEOUT", 2.0),
            read_timeout=env_float("UPSTREAM_READ_TIMEOUT", 30.0),
            log_level=env_str("LOG_LEVEL", "INFO"),
            redis_url=env_str("REDIS_URL", cls.redis_url),
            session_namespace=env_str("SESSION_NAMESPACE", cls.session_namespace),
            operator_token=operator_token_from_env(dev_mode),
        )
