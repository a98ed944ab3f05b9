"""requests' copy of identity's directory (the newest copy wins, staff by the event's time), and the demo seed:
the demo's issues as the back office would PUT them, Include Client and Public respected, idempotent."""
from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal_requests.entrypoints.seed import seed_demo
from portal_requests.service_layer.directory import DIRECTORY_HANDLERS
from portal_shared.events import make_event
from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, new_id, summary

DEMO_DATA = Path(__file__).resolve().parents[4] / "deploy" / "demo-data.json"


def staff_event(staff_id: str, email: str, at: datetime, tenant_id: str = TENANT):
    event = make_event("staff_upserted", {
        "staff_id": staff_id, "email": email, "first_name": "Jordan", "last_name": "Blake", "title": None,
        "phone": None, "role": "Account Manager", "permissions": [], "branch_ids": [], "active": True},
        tenant_id=tenant_id)
    return dataclasses.replace(event, occurred_at=at.isoformat())


def test_a_staff_member_keeps_the_newest_copy_and_never_moves_to_another_tenant(db):
    staff_id, now = new_id(), datetime.now(UTC)
    with db.unit_of_work() as session:
        DIRECTORY_HANDLERS["staff_upserted"](session, staff_event(staff_id, "new@example.com", now))
        DIRECTORY_HANDLERS["staff_upserted"](session, staff_event(staff_id, "old@example.com", now - timedelta(1)))
        DIRECTORY_HANDLERS["staff_upserted"](session, staff_event(staff_id, "x@example.com", now + timedelta(1),
                                                                  OTHER_TENANT))
        assert session.execute(sa.text("SELECT CAST(tenant_id AS text), email FROM staff")).all() == [(TENANT, "new@example.com")]


def test_a_property_keeps_its_account_owner_and_operations_manager(db, directory):
    property_id, owner, ops = new_id(), new_id(), new_id()
    directory.property(TENANT, BRANCH, property_id, "towers", revision=2, account_owner_id=owner,
                       operations_manager_id=ops)
    directory.property(TENANT, BRANCH, property_id, "towers", revision=1, account_owner_id=None)   # older: ignored
    with db.unit_of_work() as session:
        row = session.execute(sa.text("SELECT account_owner_id, operations_manager_id FROM properties")).one()
    assert tuple(map(str, row)) == (owner, ops)


@pytest.fixture
def demo():
    return json.loads(DEMO_DATA.read_text(encoding="utf-8"))


def test_the_seed_writes_the_demo_issues_once_and_shows_only_what_the_client_may_see(
        db, app_client, customer_headers, directory, grant, demo):
    camilla, keys = new_id(), {}
    for prop in demo["properties"]:
        keys[prop["key"]] = new_id()
        directory.property(TENANT, BRANCH, keys[prop["key"]], prop["key"], name=prop["name"])
        grant(TENANT, BRANCH, keys[prop["key"]], {camilla: ["Primary"]})
    seed_demo(db, demo, timeout=5)
    seed_demo(db, demo, timeout=5)          # idempotent
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM requests")) == len(demo["issues"])
        created = session.scalars(sa.text("SELECT created_at FROM requests ORDER BY number")).all()
    seed_demo(db, demo, timeout=5)
    with db.unit_of_work() as session:
        assert session.scalars(sa.text("SELECT created_at FROM requests ORDER BY number")).all() == created
    me = customer_headers(TENANT, BRANCH, camilla)
    open_rows = app_client.get("/requests", headers=me).get_json()
    assert [r["title"] for r in open_rows] == ["12: Broken sprinkler head near entrance"]
    closed = app_client.get("/requests?show=closed", headers=me).get_json()
    assert [(r["title"], r["completed_at"] is not None) for r in closed] == [("9: Mulch color question", True)]
    detail = app_client.get(f"/requests/{open_rows[0]['id']}", headers=me).get_json()
    assert [c["text"] for c in detail["comments"]] == ["Crew is scheduled for Thursday."]
    assert summary(app_client, me).get_json()["pending_requests"] == 1
