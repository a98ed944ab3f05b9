"""Server-side sessions in Redis (ADR 0005): identity creates and revokes, the gateway validates.

The browser holds only an opaque random id (cookie `portal_session`: host-only, HttpOnly,
SameSite=Lax, Secure outside dev). Redis keeps the session under the id's SHA-256, so a copy
of Redis yields no usable cookie, and an index of each account's sessions, so a password
change or reset ends every session of that account at once — the very next request with an
old cookie finds nothing.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

import redis

COOKIE_NAME = "portal_session"
DEFAULT_TTL_SECONDS = 12 * 3600        # idle timeout, renewed as the session is used
ABSOLUTE_TTL_SECONDS = 7 * 24 * 3600   # no session outlives a week, however active


@dataclass(frozen=True)
class Session:
    kind: str             # "customer" | "staff"
    account_id: str       # contact id or staff user id
    tenant_id: str
    branch_id: str | None
    created_at: float

    def claims(self) -> dict[str, Any]:
        """What the gateway adds to the internal identity token."""
        return {"account_kind": self.kind, "account_id": self.account_id, "session_tenant_id": self.tenant_id}


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, redis_url: str, *, namespace: str = "portal", ttl_seconds: int = DEFAULT_TTL_SECONDS):
        self.redis_url = redis_url
        self.namespace = namespace
        self.ttl = ttl_seconds
        self._client: redis.Redis | None = None

    @property
    def client(self) -> redis.Redis:
        # Built on first use: nothing connects at import or construction.
        if self._client is None:
            self._client = redis.Redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=2,
                                                health_check_interval=30)
        return self._client

    def _key(self, digest: str) -> str:
        return f"{self.namespace}:session:{digest}"

    def _account_key(self, kind: str, account_id: str) -> str:
        return f"{self.namespace}:account-sessions:{kind}:{account_id}"

    def create(self, *, kind: str, account_id: str, tenant_id: str, branch_id: str | None = None) -> str:
        session_id = secrets.token_urlsafe(32)
        digest = _digest(session_id)
        session = Session(kind=kind, account_id=str(account_id), tenant_id=str(tenant_id),
                          branch_id=str(branch_id) if branch_id else None, created_at=time.time())
        pipe = self.client.pipeline()
        pipe.set(self._key(digest), json.dumps(asdict(session)), ex=self.ttl)
        pipe.sadd(self._account_key(kind, str(account_id)), digest)
        pipe.expire(self._account_key(kind, str(account_id)), ABSOLUTE_TTL_SECONDS)
        pipe.execute()
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        """The live session for this cookie value, renewing its idle timeout; None when ended or unknown."""
        if not session_id or len(session_id) > 200:
            return None
        key = self._key(_digest(session_id))
        raw = self.client.getex(key, ex=self.ttl)  # read and renew in one round trip
        if raw is None:
            return None
        session = Session(**json.loads(raw))
        if time.time() - session.created_at > ABSOLUTE_TTL_SECONDS:
            self.client.delete(key)
            return None
        return session

    def delete(self, session_id: str) -> None:
        digest = _digest(session_id)
        raw = self.client.get(self._key(digest))
        self.client.delete(self._key(digest))
        if raw:
            session = Session(**json.loads(raw))
            self.client.srem(self._account_key(session.kind, session.account_id), digest)

    def revoke_all(self, *, kind: str, account_id: str) -> int:
        """End every session of an account (password change or reset). Returns how many ended."""
        account_key = self._account_key(kind, str(account_id))
        digests = [d.decode() for d in self.client.smembers(account_key)]
        pipe = self.client.pipeline()
        for digest in digests:
            pipe.delete(self._key(digest))
        pipe.delete(account_key)
        results = pipe.execute()
        return sum(1 for r in results[:-1] if r)

    def ping(self) -> None:
        self.client.ping()
