"""Who is signed in: the `portal_session` cookie looked up in Redis (ADR 0005).

The gateway only reads sessions; identity creates and revokes them. A session counts for a
request only on a branch of the session's own tenant, and, when the session names a branch,
only on that branch. Anything else, including Redis being unreachable, means "anonymous": the
check fails closed and never fails the request.
"""
from __future__ import annotations

from typing import Any

import redis

from portal_gateway.routing.branches import Branch
from portal_shared.logging import get_logger
from portal_shared.sessions import COOKIE_NAME, SessionStore

log = get_logger(__name__)

__all__ = ["COOKIE_NAME", "SessionGate"]


class SessionGate:
    def __init__(self, store: SessionStore):
        self.store = store

    def claims_for(self, session_id: str | None, branch: Branch) -> dict[str, Any]:
        """The account claims for this cookie value on this branch; {} when it names no live session here."""
        if not session_id:
            return {}
        try:
            session = self.store.get(session_id)
        except redis.exceptions.RedisError as exc:
            log.warning("session_store_unavailable", error=f"{type(exc).__name__}: {exc}"[:300],
                        branch_slug=branch.slug)
            return {}
        except (ValueError, TypeError) as exc:  # a record we cannot read counts as no session
            log.warning("session_record_unreadable", error=type(exc).__name__, branch_slug=branch.slug)
            return {}
        if session is None or session.tenant_id != str(branch.company_id):
            return {}
        if session.branch_id is not None and session.branch_id != str(branch.branch_id):
            return {}
        return session.claims()

    def ping(self) -> None:
        self.store.ping()
