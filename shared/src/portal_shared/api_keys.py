"""API keys at the edge (ADR 0012): identity publishes every live key into Redis, the gateway reads it.

Identity owns the keys (issues, lists, revokes; its database is the source of truth). So that no
service calls identity on a request path, identity also writes each live key to the Redis that
holds the sessions, under the key's SHA-256, and deletes it in the same request that revokes it:
the very next request with that key finds nothing. The gateway looks the digest up on every
integration request and signs the company and scopes into the identity token
(`portal_shared.web.auth.require_integration` checks them in the service).

Layout, under the sessions' namespace (`SESSION_NAMESPACE`):
- `<ns>:api-key:<sha256 hex of the key>` → `{"tenant_id", "key_id", "scopes"}`, no expiry;
- `<ns>:api-key-used:<sha256 hex>` → unix time of the key's last request, written by the gateway
  in the lookup's one round trip (a small Lua script) (identity's database is not written per request), kept 90 days.

Looking up by digest is safe against timing: what an attacker varies is the key, and the time a
hash lookup takes says nothing about how close a guess came to a stored secret.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from portal_shared.sessions import SessionStore
from portal_shared.web.auth import API_KEY_ACCOUNT_KIND

KEY_PREFIX = "pk_"
MAX_KEY_LENGTH = 200           # ours are ~56 characters; anything longer is not a key
LAST_USED_TTL_SECONDS = 90 * 24 * 3600


_LOOKUP_LUA = """
local record = redis.call('GET', KEYS[1])
if record then redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2]) end
return record
"""


def key_digest(key: str) -> str:
    """What identity stores and Redis is keyed by: the SHA-256 of the whole key, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_api_key(value: str | None) -> bool:
    return bool(value) and value.startswith(KEY_PREFIX) and len(value) <= MAX_KEY_LENGTH


@dataclass(frozen=True)
class PublishedKey:
    """A live key as the edge knows it: its company, its id and its scopes."""
    tenant_id: str
    key_id: str
    scopes: tuple[str, ...]

    def claims(self) -> dict[str, Any]:
        """What the gateway adds to the identity token (the contract of `require_integration`)."""
        return {"account_kind": API_KEY_ACCOUNT_KIND, "tenant_id": self.tenant_id, "api_key_id": self.key_id,
                "scopes": list(self.scopes)}


class ApiKeyStore:
    """The published keys, in the sessions' Redis and namespace (one connection pool per process)."""

    def __init__(self, sessions: SessionStore):
        self.sessions = sessions
        self._script = None

    @property
    def namespace(self) -> str:
        return self.sessions.namespace

    @property
    def client(self) -> redis.Redis:
        return self.sessions.client

    def _key(self, digest: str) -> str:
        return f"{self.namespace}:api-key:{digest}"

    def _used_key(self, digest: str) -> str:
        return f"{self.namespace}:api-key-used:{digest}"

    # -- identity writes ---------------------------------------------------------------------

    def publish(self, digest: str, key: PublishedKey) -> None:
        self.publish_many([(digest, key)])

    def publish_many(self, keys: Iterable[tuple[str, PublishedKey]]) -> int:
        pipe = self.client.pipeline(transaction=False)
        count = 0
        for digest, key in keys:
            pipe.set(self._key(digest), json.dumps({"tenant_id": key.tenant_id, "key_id": key.key_id,
                                                    "scopes": sorted(key.scopes)}))
            count += 1
        if count:
            pipe.execute()
        return count

    def withdraw_many(self, digests: Iterable[str]) -> None:
        names = [name for digest in digests for name in (self._key(digest), self._used_key(digest))]
        if names:
            self.client.delete(*names)

    def last_used(self, digests: list[str]) -> dict[str, datetime | None]:
        """When the gateway last let each key in (None: not in the last 90 days, or never)."""
        if not digests:
            return {}
        values = self.client.mget([self._used_key(d) for d in digests])
        return {d: datetime.fromtimestamp(float(v), UTC) if v else None for d, v in zip(digests, values)}

    # -- the gateway reads -------------------------------------------------------------------

    def lookup(self, key: str) -> PublishedKey | None:
        """The live key, or None. Raises redis' errors (the caller fails closed) and ValueError for a
        record it cannot read."""
        if not looks_like_api_key(key):
            return None
        digest = key_digest(key)
        raw = self._lookup_script()(keys=[self._key(digest), self._used_key(digest)],
                                    args=[str(time.time()), LAST_USED_TTL_SECONDS])
        if raw is None:
            return None
        record = json.loads(raw)
        return PublishedKey(tenant_id=str(record["tenant_id"]), key_id=str(record["key_id"]),
                            scopes=tuple(s for s in record.get("scopes") or () if isinstance(s, str)))

    def _lookup_script(self):
        # One round trip, and atomic: the time of use is written only for a key that exists at that
        # moment, so guessed keys leave nothing behind and a revoked key gets no new entry.
        if self._script is None:
            self._script = self.client.register_script(_LOOKUP_LUA)
        return self._script

    def ping(self) -> None:
        self.client.ping()
