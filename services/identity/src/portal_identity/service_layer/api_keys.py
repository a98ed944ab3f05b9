"""Per-company API keys for the back office: shown once, stored as SHA-256, scoped, revocable."""
from __future__ import annotations

import hmac
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_identity.adapters.orm import ApiKey
from portal_identity.domain.tokens import new_api_key, token_digest
from portal_identity.service_layer.accounts import now
from portal_shared.errors import Forbidden, NotFound, Unauthenticated

SCOPES = ("contacts:write", "properties:write")


def create_key(session: Session, *, tenant_id: str, name: str, scopes: list[str], created_by: str | None) -> dict[str, Any]:
    key, prefix = new_api_key()
    row = ApiKey(tenant_id=tenant_id, name=name, prefix=prefix, key_digest=token_digest(key),
                 scopes=sorted(set(scopes)), created_by=created_by)
    session.add(row)
    session.flush()
    return {**key_view(row), "key": key}


def key_view(row: ApiKey) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "scopes": list(row.scopes),
            "created_at": row.created_at, "revoked_at": row.revoked_at, "last_used_at": row.last_used_at}


def list_keys(session: Session, *, tenant_id: str) -> list[ApiKey]:
    return list(session.scalars(sa.select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)))


def revoke_key(session: Session, *, tenant_id: str, key_id: str) -> None:
    row = session.scalar(sa.select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id))
    if row is None:
        raise NotFound("No such API key.")
    row.revoked_at = row.revoked_at or now()


def authenticate(session: Session, *, presented: str, scope: str) -> str:
    """The tenant of a live key holding `scope`; 401 for anything else (never says which part failed)."""
    parts = presented.split("_", 2)
    row = session.scalar(sa.select(ApiKey).where(ApiKey.prefix == parts[1])) if len(parts) == 3 else None
    if row is None or row.revoked_at is not None or not hmac.compare_digest(row.key_digest, token_digest(presented)):
        raise Unauthenticated("Send a valid API key as 'Authorization: Bearer <key>'.")
    if scope not in row.scopes:
        raise Forbidden(f"This API key lacks the '{scope}' scope.", code="missing_scope")
    row.last_used_at = now()
    return row.tenant_id
