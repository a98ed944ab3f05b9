"""Versions of what a customer's pages show, per service and tenant, kept in Redis (docs/adr/0035).

portal-web keeps each customer's page data (identity's account and the services' summaries) in Redis, stamped
with the versions below at the time it asked; a stamp that no longer matches is a miss. So every write that
can change a page moves its tenant's version of the service that made it, right after it commits:

- an HTTP write answered with success (`init_web_hook`: POST/PUT/PATCH/DELETE under 400; the back office's
  integration API and the customer's own actions alike), for the tenant of the request's identity token;
- an event handled by a consumer, or recorded in the outbox by any code path (`note_write`, called by the bus:
  a worker's loop that pays, settles or returns a payment records its event, so it counts too);
- anything without a tenant moves the service's version for every tenant (`ALL_TENANTS`).

Bumping is best effort: with Redis unreachable the write stands and is logged, and portal-web, which cannot
read Redis either, asks the services. Cached pages also expire after a minute (figures that move with the
clock: an upcoming visit, a proposal's window).
"""
from __future__ import annotations

import threading

import redis
from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal_shared.config import env_str
from portal_shared.logging import get_logger

log = get_logger(__name__)

ALL_TENANTS = "*"
# The services whose answers portal-web keeps: identity's account and the four summaries.
PAGE_DATA_SERVICES = ("identity", "billing", "proposals", "requests", "visits")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SESSION_KEY = "page_versions_tenants"
VERSION_TTL_SECONDS = 24 * 3600


def version_key(namespace: str, service: str, tenant_id: str) -> str:
    return f"{namespace}:page-version:{service}:{tenant_id}"


class PageVersions:
    """One service's side: moves versions. Lazily connects (after a fork, in the process that bumps)."""

    def __init__(self, service: str, redis_url: str, namespace: str):
        self.service = service
        self.redis_url = redis_url
        self.namespace = namespace
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, service: str) -> "PageVersions":
        return cls(service, env_str("REDIS_URL", "redis://localhost:6379/0"), env_str("SESSION_NAMESPACE", "portal"))

    @property
    def client(self) -> redis.Redis:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=0.5,
                                                        socket_timeout=0.5)
        return self._client

    def bump(self, *tenant_ids: str | None) -> None:
        keys = {version_key(self.namespace, self.service, str(t) if t else ALL_TENANTS) for t in tenant_ids}
        try:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.incr(key)
                # Idle for a day, a version may start again from 1: every entry stamped with it expired long ago.
                pipe.expire(key, VERSION_TTL_SECONDS)
            pipe.execute()
        except redis.RedisError as exc:
            log.warning("page_version_not_bumped", service=self.service, error=f"{type(exc).__name__}: {exc}"[:300])


_current: PageVersions | None = None


def configure(service: str) -> PageVersions | None:
    """Called once per process of a service whose answers portal-web keeps; a no-op for the others."""
    global _current
    if service in PAGE_DATA_SERVICES:
        _current = PageVersions.from_env(service)
    return _current


def note_write(session: Session, tenant_id: str | None) -> None:
    """Move `tenant_id`'s version once this session's transaction commits (nothing if it rolls back)."""
    if _current is None:
        return
    tenants = session.info.get(_SESSION_KEY)
    if tenants is None:
        tenants = session.info[_SESSION_KEY] = set()
        event.listen(session, "after_commit", _bump_noted, once=True)
        event.listen(session, "after_rollback", _forget_noted, once=True)
    tenants.add(tenant_id)


def _bump_noted(session: Session) -> None:
    tenants = session.info.pop(_SESSION_KEY, None)
    if tenants and _current is not None:
        _current.bump(*tenants)


def _forget_noted(session: Session) -> None:
    session.info.pop(_SESSION_KEY, None)


def init_web_hook(app: Flask, service: str) -> None:
    """After a successful write through this service's HTTP API, move the tenant's version."""
    versions = configure(service)
    if versions is None:
        return

    @app.after_request
    def _bump_after_write(response):
        if request.method in UNSAFE_METHODS and response.status_code < 400:
            identity = g.get("identity") or {}
            versions.bump(identity.get("tenant_id"))
        return response
