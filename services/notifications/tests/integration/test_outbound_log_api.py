"""GET /messages and /messages/<id> against the real database (and /readyz against the real broker)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal_notifications import SERVICE
from portal_notifications.adapters.orm import OutboundMessage
from portal_notifications.adapters.smtp import FakeMailer
from portal_notifications.app import create_app
from portal_notifications.bootstrap import bootstrap
from portal_notifications.service_layer.handlers import handle_branch_created
from portal_shared.config import ServiceSettings

TOKEN = {"Authorization": "Bearer operator-secret"}


@pytest.fixture
def client(database_url, bus_settings, db, monkeypatch):
    monkeypatch.setenv("PORTAL_OPERATOR_TOKEN", "operator-secret")
    wiring = bootstrap(ServiceSettings(service=SERVICE, database_url=database_url, bus=bus_settings),
                       mailer=FakeMailer())
    yield create_app(wiring).test_client()
    wiring.db.dispose()


@pytest.fixture
def logged(db, make_branch_created):
    """Three emails of two tenants, created one minute apart (oldest first)."""
    tenant_a, tenant_b = str(uuid.uuid4()), str(uuid.uuid4())
    events = [make_branch_created(company_id=tenant) for tenant in (tenant_a, tenant_b, tenant_a)]
    start = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    with db.unit_of_work() as session:
        for minute, event in enumerate(events):
            handle_branch_created(session, event)
            session.execute(sa.update(OutboundMessage).where(OutboundMessage.event_id == event.id)
                            .values(created_at=start + timedelta(minutes=minute)))
    return tenant_a, tenant_b, events


def test_the_log_lists_newest_first_without_bodies(client, logged):
    _, _, events = logged
    response = client.get("/messages", headers=TOKEN)
    assert response.status_code == 200
    items = response.get_json()
    assert [item["event_id"] for item in items] == [e.id for e in reversed(events)]
    assert not {"text_body", "html_body"} & set(items[0])
    assert items[0]["status"] == "queued" and items[0]["subject"].startswith("Your customer portal is live")


def test_the_log_filters_by_tenant(client, logged):
    tenant_a, _, events = logged
    items = client.get(f"/messages?tenant_id={tenant_a}", headers=TOKEN).get_json()
    assert [item["event_id"] for item in items] == [events[2].id, events[0].id]
    assert {item["tenant_id"] for item in items} == {tenant_a}


def test_the_log_is_paginated(client, logged):
    _, _, events = logged
    response = client.get("/messages?page=2&page_size=2", headers=TOKEN)
    assert [item["event_id"] for item in response.get_json()] == [events[0].id]
    assert '"total": 3' in response.headers["X-Pagination"]


def test_a_bad_filter_is_a_validation_problem(client, logged):
    response = client.get("/messages?tenant_id=not-a-uuid", headers=TOKEN)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_failed"


def test_one_message_shows_its_bodies(client, logged):
    _, _, events = logged
    message_id = client.get("/messages", headers=TOKEN).get_json()[0]["id"]
    body = client.get(f"/messages/{message_id}", headers=TOKEN).get_json()
    assert body["event_id"] == events[2].id
    assert events[2].data["portal_url"] in body["text_body"]
    assert f'href="{events[2].data["portal_url"]}"' in body["html_body"]


def test_an_unknown_message_is_not_found(client, logged):
    response = client.get(f"/messages/{uuid.uuid4()}", headers=TOKEN)
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_the_log_refuses_a_wrong_token(client, logged):
    assert client.get("/messages", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["checks"] == {"database": "ok", "broker": "ok"}


def test_a_page_whose_offset_overflows_the_database_is_a_422_problem_naming_page(client):
    response = client.get("/messages?page=922337203685477582", headers=TOKEN)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()["errors"]) == {"page"}
