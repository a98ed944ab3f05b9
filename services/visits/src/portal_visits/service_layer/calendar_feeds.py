"""Each customer's private calendar feed: a secret in the URL that calendar apps fetch without a
session. Only the secret's SHA-256 is stored, so the URL is shown once, when it is made; making a
new one replaces it and the old one stops at once; turning it off deletes it. A fetch answers for the
contact, tenant and branch the secret was made for, over the properties that contact may see *at
fetch time* (access taken away is taken out of the feed)."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_shared.access.guard import Customer
from portal_visits.adapters.orm import calendar_feeds

SECRET_BYTES = 32               # 256 bits, URL-safe base64: 43 characters
MAX_SECRET_LENGTH = 64


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def feed_path(secret: str) -> str:
    """Where the feed answers, on the branch's portal address (through the gateway)."""
    return f"/api/visits/calendar/{secret}.ics"


def _key(who: Customer):
    return ((calendar_feeds.c.tenant_id == who.tenant_id) & (calendar_feeds.c.branch_id == who.branch_id)
            & (calendar_feeds.c.contact_id == who.contact_id))


def feed_status(session: Session, who: Customer) -> dict[str, Any]:
    created_at = session.scalar(sa.select(calendar_feeds.c.created_at).where(_key(who)))
    return {"active": created_at is not None, "created_at": created_at}


def new_feed(session: Session, who: Customer) -> dict[str, Any]:
    """Make the customer's feed URL, replacing any earlier one; the only time its secret is seen."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    row = {"tenant_id": who.tenant_id, "branch_id": who.branch_id, "contact_id": who.contact_id,
           "secret_sha256": digest(secret)}
    stmt = pg_insert(calendar_feeds).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=[calendar_feeds.c.tenant_id, calendar_feeds.c.branch_id, calendar_feeds.c.contact_id],
        set_={"secret_sha256": stmt.excluded.secret_sha256, "created_at": sa.func.now()},
    ).returning(calendar_feeds.c.created_at)
    created_at = session.scalar(stmt)
    return {"active": True, "created_at": created_at, "path": feed_path(secret)}


def revoke_feed(session: Session, who: Customer) -> None:
    session.execute(sa.delete(calendar_feeds).where(_key(who)))


@dataclass(frozen=True)
class FeedOwner:
    tenant_id: str
    branch_id: str
    contact_id: str


def feed_owner(session: Session, *, secret: str, tenant_id: str | None, branch_id: str | None) -> FeedOwner | None:
    """Whose feed this secret opens on this branch's address; None for a wrong, revoked or other branch's one."""
    if not secret or len(secret) > MAX_SECRET_LENGTH or not tenant_id or not branch_id:
        return None
    found = session.execute(sa.select(calendar_feeds).where(
        calendar_feeds.c.secret_sha256 == digest(secret))).first()
    if found is None or str(found.tenant_id) != str(tenant_id) or str(found.branch_id) != str(branch_id):
        return None
    return FeedOwner(tenant_id=str(found.tenant_id), branch_id=str(found.branch_id), contact_id=str(found.contact_id))
