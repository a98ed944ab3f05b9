"""Per-company API keys for the back office: shown once, stored as SHA-256, scoped, revocable.

Identity's table is the source of truth; every live key is also published to Redis
(`portal_shared.api_keys`), where the gateway checks it on each request (ADR 0012). Creating a
key publishes it and revoking one withdraws it inside the same request, before the commit (so a
Redis outage fails the request instead of leaving a revoked key usable) and, for revocation,
again after it. `sync_published_keys` rebuilds Redis from the table after a flush.

`last_used_at` is not written here on each request: the gateway records the time of use in Redis
and the list of keys reads it from there.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_identity.adapters.orm import ApiKey
from portal_identity.domain.tokens import new_api_key
from portal_identity.service_layer.accounts import now
from portal_shared.api_keys import ApiKeyStore, PublishedKey, key_digest
from portal_shared.db import Database
from portal_shared.errors import ApiError, NotFound
from portal_shared.logging import get_logger

log = get_logger(__name__)
SYNC_BATCH = 500


@contextmanager
def _edge_reachable() -> Iterator[None]:
    """A key that cannot be published (or withdrawn) is not created (or revoked): 503, try again."""
    try:
        yield
    except redis.exceptions.RedisError as exc:
        raise ApiError("API keys cannot be changed right now; try again in a moment.", status=503,
                       code="api_keys_unavailable", title="Service unavailable") from exc


def _published(row: ApiKey) -> PublishedKey:
    return PublishedKey(tenant_id=str(row.tenant_id), key_id=str(row.id), scopes=tuple(row.scopes))


def create_key(session: Session, *, key_store: ApiKeyStore, tenant_id: str, name: str, scopes: list[str],
               created_by: str | None) -> dict[str, Any]:
    key, prefix = new_api_key()
    row = ApiKey(tenant_id=tenant_id, name=name, prefix=prefix, key_digest=key_digest(key),
                 scopes=sorted(set(scopes)), created_by=created_by)
    session.add(row)
    session.flush()
    # Before the commit: if Redis is down the request fails and no key exists that would not work.
    with _edge_reachable():
        key_store.publish(row.key_digest, _published(row))
    return {**key_view(row), "key": key}


def key_view(row: ApiKey, last_used_at=None) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "scopes": list(row.scopes),
            "created_at": row.created_at, "revoked_at": row.revoked_at,
            "last_used_at": last_used_at or row.last_used_at}


def list_keys(session: Session, *, key_store: ApiKeyStore, tenant_id: str) -> list[dict[str, Any]]:
    rows = list(session.scalars(sa.select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)))
    try:
        used = key_store.last_used([r.key_digest for r in rows if r.revoked_at is None])
    except redis.exceptions.RedisError:
        used = {}  # the list still answers; only the times of last use are missing
    return [key_view(r, used.get(r.key_digest)) for r in rows]


def revoke_key(session: Session, *, key_store: ApiKeyStore, tenant_id: str, key_id: str) -> str:
    """Mark the key revoked and withdraw it from the edge; returns its digest (the caller withdraws
    it once more after the commit, in case a sync republished it meanwhile)."""
    row = session.scalar(sa.select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id))
    if row is None:
        raise NotFound("No such API key.")
    row.revoked_at = row.revoked_at or now()
    with _edge_reachable():
        key_store.withdraw_many([row.key_digest])
    return row.key_digest


def withdraw_after_commit(key_store: ApiKeyStore, digest: str) -> None:
    """Withdraw a revoked key once more after the commit: a sync that read it as live just before
    the revocation may have published it again in between."""
    try:
        key_store.withdraw_many([digest])
    except redis.exceptions.RedisError as exc:
        # Already withdrawn before the commit; the next sync withdraws it for good.
        log.warning("api_key_withdraw_retry_failed", error=type(exc).__name__)


def sync_published_keys(db: Database, key_store: ApiKeyStore) -> tuple[int, int]:
    """Publish every live key and withdraw every revoked one; returns (published, withdrawn).

    Safe beside revocations: the revoked keys are read *after* the live ones were written, so a key
    revoked while this ran is withdrawn again here even if it was just republished.
    """
    published = 0
    with db.unit_of_work() as session:
        query = sa.select(ApiKey).where(ApiKey.revoked_at.is_(None)).order_by(ApiKey.id)
        for batch in session.scalars(query.execution_options(yield_per=SYNC_BATCH)).partitions():
            published += key_store.publish_many((row.key_digest, _published(row)) for row in batch)
    with db.unit_of_work() as session:
        revoked = list(session.scalars(sa.select(ApiKey.key_digest).where(ApiKey.revoked_at.is_not(None))))
    for start in range(0, len(revoked), SYNC_BATCH):
        key_store.withdraw_many(revoked[start:start + SYNC_BATCH])
    return published, len(revoked)
