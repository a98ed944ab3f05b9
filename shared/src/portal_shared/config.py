"""Configuration read from the environment, once, by the process that needs it.

Every service reads the same names so operators learn them once. Nothing here connects to
anything; it only describes where things are.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"environment variable {name} is required")
    return value


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return default if raw in (None, "") else float(raw)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def upstream_urls(service: str, default: str) -> list[str]:
    """Where a service answers: UPSTREAM_<SERVICE> as a comma list (`http+dns://name:port` for replicas)."""
    raw = os.environ.get("UPSTREAM_" + service.upper().replace("-", "_"), default)
    return [url.strip().rstrip("/") for url in raw.split(",") if url.strip()]


def first_upstream(service: str, default: str) -> str:
    """One plain http:// address of a service, for clients that do not balance (first entry; a
    `http+dns://` name is used as is, letting the resolver pick)."""
    return upstream_urls(service, default)[0].replace("http+dns://", "http://")


def database_url_for(service: str) -> str:
    """The service's own database: DATABASE_URL, or one named after the service on the local server."""
    explicit = os.environ.get("DATABASE_URL")
    if explicit:
        return explicit
    base = os.environ.get("POSTGRES_URL", "postgresql+psycopg://localhost:5432")
    prefix = os.environ.get("DATABASE_PREFIX", "portal")
    return f"{base.rstrip('/')}/{prefix}_{service.replace('-', '_')}"


@dataclass(frozen=True)
class BusSettings:
    url: str = "amqp://guest:guest@localhost:5672/%2F"
    # Every exchange and queue name starts with this, so tests and `make run` never share queues.
    namespace: str = "portal"
    heartbeat: int = 30
    blocked_connection_timeout: float = 60.0
    quorum_queues: bool = True
    prefetch: int = 100  # also the most messages a consumer applies in one transaction (ADR 0032)
    max_retries: int = 5
    retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)

    @classmethod
    def from_env(cls) -> "BusSettings":
        delays = os.environ.get("BUS_RETRY_DELAYS_MS")
        return cls(
            url=env_str("AMQP_URL", cls.url),
            namespace=env_str("BUS_NAMESPACE", cls.namespace),
            heartbeat=env_int("BUS_HEARTBEAT", cls.heartbeat),
            blocked_connection_timeout=env_float("BUS_BLOCKED_TIMEOUT", cls.blocked_connection_timeout),
            quorum_queues=env_bool("BUS_QUORUM_QUEUES", cls.quorum_queues),
            prefetch=env_int("BUS_PREFETCH", cls.prefetch),
            max_retries=env_int("BUS_MAX_RETRIES", cls.max_retries),
            retry_delays_ms=tuple(int(d) for d in delays.split(",")) if delays else cls.retry_delays_ms,
        )


DEV_INTERNAL_SECRET = "dev-internal-secret-change-me-0123456789"
# What `make run` and Compose's defaults hand out: public, so never accepted outside dev mode.
DEV_OPERATOR_TOKEN = "dev-operator-token"


class InsecureConfiguration(RuntimeError):
    pass


def require_production_secret(name: str, value: str, dev_default: str, dev_mode: bool) -> str:
    """Outside dev mode (PORTAL_DEV=false, the default), a public default secret refuses to start."""
    if not dev_mode and (value == dev_default or len(value) < 32):
        raise InsecureConfiguration(f"{name} is the development default or shorter than 32 characters; set a real "
                                    "secret (or PORTAL_DEV=true on a developer machine).")
    return value


def operator_token_from_env(dev_mode: bool) -> str | None:
    """PORTAL_OPERATOR_TOKEN, checked like the internal secret; unset means no operator at all (nobody
    gets in), which is safe, so only a weak token refuses to start."""
    token = env_str("PORTAL_OPERATOR_TOKEN", "") or None
    if token is not None:
        require_production_secret("PORTAL_OPERATOR_TOKEN", token, DEV_OPERATOR_TOKEN, dev_mode)
    return token


@dataclass(frozen=True)
class ServiceSettings:
    """What every service process needs to know about its surroundings."""

    service: str
    database_url: str
    bus: BusSettings = field(default_factory=BusSettings)
    redis_url: str = "redis://localhost:6379/0"
    internal_token_secret: str = DEV_INTERNAL_SECRET
    log_level: str = "INFO"
    dev_mode: bool = True

    @classmethod
    def from_env(cls, service: str) -> "ServiceSettings":
        dev_mode = env_bool("PORTAL_DEV", False)
        return cls(
            service=service,
            database_url=database_url_for(service),
            bus=BusSettings.from_env(),
            redis_url=env_str("REDIS_URL", cls.redis_url),
            internal_token_secret=require_production_secret(
                "INTERNAL_TOKEN_SECRET", env_str("INTERNAL_TOKEN_SECRET", DEV_INTERNAL_SECRET), DEV_INTERNAL_SECRET,
                dev_mode),
            log_level=env_str("LOG_LEVEL", cls.log_level),
            dev_mode=dev_mode,
        )
