"""What requests' integration tests share: the back office's issue document, the outbox's events, uploads."""
from __future__ import annotations

import io
import json

import sqlalchemy as sa

from portal_testkit.pytest_plugin import BRANCH, TENANT


def issue(**fields) -> dict:
    doc = {"number": "12", "subject": "Broken sprinkler head near entrance", "description": "Water is pooling.",
           "property_external_id": "p1", "priority": "High", "status": "Open", "include_client": True,
           "created_at": "2026-11-20T15:00:00+00:00",
           "comments": [{"external_id": "c1", "public": True, "author": "Jordan Blake",
                         "text": "Crew is scheduled for Thursday.", "created_at": "2026-11-20T16:00:00+00:00"},
                        {"external_id": "c2", "public": False, "author": "Riley Chen",
                         "text": "Check whether the head is under warranty.",
                         "created_at": "2026-11-20T17:00:00+00:00"}]}
    doc.update(fields)
    return doc


def put_issue(client, headers, external_id="issue-12", **fields):
    return client.put(f"/integration/requests/{external_id}", json=issue(**fields), headers=headers)


def events(db, event_type: str) -> list[dict]:
    with db.unit_of_work() as session:
        rows = session.execute(sa.text("SELECT payload FROM outbox WHERE event_type = :t ORDER BY created_at"),
                               {"t": event_type}).scalars()
        return [row if isinstance(row, dict) else json.loads(row) for row in rows]


def count(db, table: str) -> int:
    with db.unit_of_work() as session:
        return session.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def files(*named: tuple[str, bytes]) -> list[tuple[io.BytesIO, str]]:
    return [(io.BytesIO(data), name) for name, data in named]


def new_request(client, headers, on_property, *, attachments=(), **fields):
    form = {"property_id": on_property, "subject": "Dead shrubs by the pool", "priority": "High",
            "description": "Three shrubs died after the frost.", **fields}
    if attachments:
        form["attachments"] = files(*attachments)
    return client.post("/requests", data=form, headers=headers, content_type="multipart/form-data")


ME = (TENANT, BRANCH)
