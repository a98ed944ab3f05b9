"""A customer's page data, kept in Redis between pages: identity's account and the services' summaries.

Every signed-in page needs the same five answers (the account, for the Property Filter, and the four
summaries, for Home's cards and the menu's counts): asked on every page, they were most of each page's cost
(docs/performance.md). Here they are kept per tenant, branch, account and Property Filter, stamped with the
page versions of identity and the four services (`portal_shared.page_versions`, ADR 0035) read *before*
asking: a write anywhere moves its tenant's version at commit, so the next page finds a stamp that no
longer matches and asks again. Entries also expire (`PORTAL_WEB_PAGE_CACHE_SECONDS`, default 60), for the
figures that move with the clock. One Redis round trip reads the versions and the entry together.

Fails open: with Redis unreachable, every page asks the services, as before.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

import redis
from flask import current_app

from portal_shared.logging import get_logger
from portal_shared.page_versions import ALL_TENANTS, PAGE_DATA_SERVICES, version_key

log = get_logger(__name__)


@dataclass(frozen=True)
class Cached:
    stamp: list[str | None]          # the versions the stored answers were asked under
    me: dict | None = None
    summaries: dict | None = None    # service → its summary


class PageCache:
    def __init__(self, redis_url: str, namespace: str, ttl_seconds: float):
        self.redis_url = redis_url
        self.namespace = namespace
        self.ttl = max(1, int(ttl_seconds))
        self._client: redis.Redis | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> redis.Redis:
        if self._client is None:   # built in the worker that uses it, after gunicorn's fork
            with self._lock:
                if self._client is None:
                    self._client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=0.3,
                                                        socket_timeout=0.3)
        return self._client

    def _entry_key(self, tenant: str, branch: str, account: str, selection: list[str]) -> str:
        chosen = hashlib.sha256(",".join(sorted(selection)).encode()).hexdigest()[:16]
        return f"{self.namespace}:page-data:{tenant}:{branch}:{account}:{chosen}"

    def _version_keys(self, tenant: str) -> list[str]:
        return [version_key(self.namespace, service, t) for service in PAGE_DATA_SERVICES
                for t in (tenant, ALL_TENANTS)]

    def read(self, tenant: str, branch: str, account: str, selection: list[str]) -> Cached:
        """The current stamp, with the stored answers when they were asked under that same stamp."""
        try:
            *stamp, raw = self.client.mget([*self._version_keys(tenant),
                                            self._entry_key(tenant, branch, account, selection)])
        except redis.RedisError as exc:
            log.warning("page_cache_unavailable", error=type(exc).__name__)
            return Cached(stamp=[])
        stamp = [v.decode() if v else None for v in stamp]
        if raw:
            try:
                entry = json.loads(raw)
                if entry.get("stamp") == stamp:
                    return Cached(stamp=stamp, me=entry.get("me"), summaries=entry.get("summaries"))
            except ValueError:
                pass
        return Cached(stamp=stamp)

    def write(self, tenant: str, branch: str, account: str, selection: list[str], stamp: list[str | None],
              me: dict, summaries: dict) -> None:
        if not stamp:
            return   # Redis was unreachable when the stamp was read: nothing to vouch for these answers
        try:
            self.client.set(self._entry_key(tenant, branch, account, selection),
                            json.dumps({"stamp": stamp, "me": me, "summaries": summaries}), ex=self.ttl)
        except redis.RedisError as exc:
            log.warning("page_cache_unavailable", error=type(exc).__name__)


def page_cache() -> PageCache | None:
    """The app's page cache, or None when it is switched off (PORTAL_WEB_PAGE_CACHE_SECONDS=0)."""
    return current_app.extensions.get("page_cache")
