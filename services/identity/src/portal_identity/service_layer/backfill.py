"""Rebuilding read models from their owner's snapshot.

A read model added (or emptied) after its events went out has nothing to replay: the branches
identity keeps are loaded from portal-config's /internal/branches instead, applied with the same
revision rules as the events, so running it twice, or racing the consumer, is harmless.
"""
from __future__ import annotations

from portal_identity.service_layer.directory import apply_branch
from portal_shared.db import Database
from portal_shared.http_client import pooled_session
from portal_shared.identity_token import HEADER, sign_identity


def backfill_branches(db: Database, *, portal_config_url: str, internal_secret: str) -> int:
    token = sign_identity({"sub": "identity", "kind": "service"}, internal_secret)
    response = pooled_session().get(f"{portal_config_url.rstrip('/')}/internal/branches",
                                    headers={HEADER: token}, timeout=(2, 10))
    response.raise_for_status()
    rows = response.json()
    with db.unit_of_work() as session:
        for row in rows:
            apply_branch(session, row)
    return len(rows)
