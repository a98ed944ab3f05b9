"""Which company an API key speaks for: `Authorization: Bearer pk_…` looked up in Redis (ADR 0012).

Identity publishes every live key there (under its SHA-256) and withdraws it when revoked; the
gateway only reads. No service is asked on the request path. Unlike a session, a key that cannot
be checked refuses the request: a back office is a program that retries, and letting it in
anonymously would only turn an outage into a confusing 401 from the service.
"""
from __future__ import annotations

from typing import Any

import redis

from portal_shared.api_keys import KEY_PREFIX, ApiKeyStore, looks_like_api_key
from portal_shared.logging import get_logger

log = get_logger(__name__)


class KeyRefused(Exception):
    """No live key by that value: unknown, revoked, or not a key at all."""


class KeyStoreUnavailable(Exception):
    """Redis did not answer, so the key cannot be checked."""


def presented_key(authorization: str | None) -> str | None:
    """The API key in an `Authorization: Bearer pk_…` header, else None (other bearers, e.g. the
    operator's token, pass through untouched)."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(KEY_PREFIX):
        return None
    return value


class ApiKeyGate:
    def __init__(self, store: ApiKeyStore):
        self.store = store

    def claims_for(self, key: str) -> dict[str, Any]:
        """The identity-token claims of a live key (company, key id, scopes); raises otherwise."""
        if not looks_like_api_key(key):
            raise KeyRefused()
        try:
            published = self.store.lookup(key)
        except redis.exceptions.RedisError as exc:
            log.warning("api_key_store_unavailable", error=f"{type(exc).__name__}: {exc}"[:300])
            raise KeyStoreUnavailable() from exc
        except (ValueError, TypeError, KeyError) as exc:  # a record we cannot read opens nothing
            log.warning("api_key_record_unreadable", error=type(exc).__name__)
            raise KeyRefused() from exc
        if published is None:
            raise KeyRefused()
        return published.claims()
