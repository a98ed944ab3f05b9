"""`portal-requests seed FILE`: the demo company's issues from demo-data.json, written as the back office would
PUT them (through the same schema and service layer), by the ids `demo:issue:<number>` and
`demo:issue:<number>:comment:<n>`. Idempotent: a second run replaces each with itself.

It needs identity's demo properties in requests' directory read model, so `make run` runs it after identity's
seed; it waits for them to arrive.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal_requests.adapters.orm import properties
from portal_requests.bootstrap_storage import storage_from_env
from portal_requests.entrypoints.schemas import RequestUpsert
from portal_requests.service_layer import requests as service
from portal_shared.directory import wait_for_tenant
from portal_shared.logging import get_logger

log = get_logger(__name__)

WAIT_SECONDS = 90.0


def issue_id(number) -> str:
    return f"demo:issue:{number}"






def issue_document(issue: dict, *, now: datetime) -> dict[str, Any]:
    """A demo issue as the back office would PUT it: created a week or so ago, a closed one completed since."""
    created = now - timedelta(days=7 + int(issue["number"]) % 5)
    closed = issue["status"] == "Closed"
    return {
        "number": str(issue["number"]), "subject": issue["subject"], "description": issue.get("description", ""),
        "property_external_id": issue["property"], "priority": issue["priority"], "status": issue["status"],
        "include_client": issue["include_client"], "created_at": created.isoformat(),
        "completed_at": (created + timedelta(days=3)).isoformat() if closed else None,
        "comments": [{"external_id": f"{issue_id(issue['number'])}:comment:{n}", "public": c["public"],
                      "author": c["author"], "text": c["text"],
                      "created_at": (created + timedelta(hours=n)).isoformat()}
                     for n, c in enumerate(issue.get("comments", []), start=1)],
    }


def seed_demo(db, demo: dict, *, timeout: float = WAIT_SECONDS) -> None:
    issues = demo.get("issues", [])
    if not issues:
        return
    tenant_id = wait_for_tenant(db, properties, sorted({i["property"] for i in issues}), service="requests",
                                timeout=timeout)
    now = datetime.now(UTC).replace(microsecond=0)
    storage = storage_from_env()
    with db.unit_of_work() as session:
        for issue in issues:
            external_id = issue_id(issue["number"])
            existing = session.scalar(sa.text(
                "SELECT created_at FROM requests WHERE tenant_id = :t AND external_id = :e"),
                {"t": tenant_id, "e": external_id})
            document = issue_document(issue, now=existing + timedelta(days=7 + int(issue["number"]) % 5)
                                      if existing else now)
            service.upsert_request(session, storage, tenant_id=tenant_id, external_id=external_id,
                                   doc=RequestUpsert().load(document))
    log.info("seed_requests_done", issues=len(issues))
