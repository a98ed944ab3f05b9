"""The staff read model: staff_upserted applied by the portal-config.staff consumer's handler."""
from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import ValidationError

from portal_config.cli import consumers
from portal_config.service_layer.staff import STAFF_CONSUMER, apply_staff_upserted
from portal_shared.events import make_event

pytestmark = pytest.mark.integration

TENANT = "0b6f8a52-5d0a-4d8e-9f53-1c2d3e4f5a6b"
BRANCH = "1c7a9b63-6e1b-4e9f-a064-2d3e4f5a6b7c"


def _event(staff_id: str, *, at: datetime | None = None, tenant_id: str | None = TENANT, **data):
    values = {"staff_id": staff_id, "email": "sam@example.com", "first_name": "Sam", "last_name": "Ortiz",
              "title": None, "phone": None, "role": "Branch Admin", "permissions": ["manage_portal_settings"],
              "branch_ids": [BRANCH], "active": True, **data}
    event = make_event("staff_upserted", values, tenant_id=tenant_id)
    return dataclasses.replace(event, occurred_at=at.isoformat()) if at else event


def _apply(db, event) -> None:
    with db.unit_of_work() as session:
        apply_staff_upserted(session, event)


def test_a_staff_upserted_event_puts_the_staff_member_in_the_read_model(db, rows):
    staff_id = str(uuid.uuid4())
    _apply(db, _event(staff_id, permissions=["manage_portal_settings", "view_contacts", "view_contacts"]))
    (staff,) = rows("staff", "id")
    assert (str(staff["id"]), str(staff["tenant_id"]), staff["role"], staff["active"]) == \
        (staff_id, TENANT, "Branch Admin", True)
    assert staff["permissions"] == ["manage_portal_settings", "view_contacts"]
    assert [str(b) for b in staff["branch_ids"]] == [BRANCH]


def test_a_newer_event_replaces_the_staff_member_and_an_older_one_arriving_late_is_ignored(db, rows):
    staff_id, now = str(uuid.uuid4()), datetime.now(UTC)
    _apply(db, _event(staff_id, at=now))
    _apply(db, _event(staff_id, at=now + timedelta(seconds=5), active=False, permissions=[]))
    _apply(db, _event(staff_id, at=now + timedelta(seconds=1), active=True))  # late copy of an older state
    (staff,) = rows("staff", "id")
    assert (staff["active"], staff["permissions"]) == (False, [])


def test_a_malformed_event_or_one_without_a_tenant_is_refused_so_the_consumer_retries_it(db, rows):
    staff_id = str(uuid.uuid4())
    broken = dataclasses.replace(_event(staff_id), data={"staff_id": staff_id})
    with pytest.raises(ValidationError):
        _apply(db, broken)
    with pytest.raises(ValueError):
        _apply(db, _event(staff_id, tenant_id=None))
    assert rows("staff", "id") == []


def test_the_worker_and_migrate_know_the_staff_consumer(wiring):
    consumer = wiring.staff_consumer()
    assert consumer.name == STAFF_CONSUMER == "portal-config.staff"
    assert consumer.handlers == {"staff_upserted": apply_staff_upserted}
    (declared,) = consumers(wiring.settings)
    assert declared.name == STAFF_CONSUMER and set(declared.handlers) == {"staff_upserted"}
