"""The operator's admin API: companies and branches, each change announced through the outbox."""
from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest

from portal_config.service_layer import branches as use_cases
from portal_shared.events import Envelope
from portal_shared.events.contracts import contract_for

pytestmark = pytest.mark.integration


def _envelope(row: dict) -> dict:
    """An outbox row's payload, after checking it is a well-formed envelope whose data keeps its contract."""
    payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
    Envelope.from_dict(payload)  # raises when malformed
    assert contract_for(payload["type"], payload["version"]).validate(payload["data"]) == {}
    assert str(row["id"]) == payload["id"] and row["event_type"] == payload["type"]
    assert str(row["tenant_id"]) == payload["tenant_id"] and row["status"] == "pending"
    return payload


def _branch_rows(rows) -> list[dict]:
    """Outbox rows of branch events (a new branch also announces its default settings: see test_settings_api)."""
    return [row for row in rows("outbox") if row["event_type"].startswith("branch_")]


# -- creating --------------------------------------------------------------------------------

def test_creating_a_company_and_a_branch_answers_201_with_the_branch_portal_url(client, company, branch):
    acme = company(name="  Acme Lawns  ", contact_email="hi@acme.example")
    assert acme["name"] == "Acme Lawns"
    created = branch(acme["id"], slug="North", name="North Side")
    assert created["portal_url"] == "http://north.localhost:8080"
    assert created["slug"] == "north"
    assert (created["company_id"], created["company_name"], created["company_contact_email"]) == \
        (acme["id"], "Acme Lawns", "hi@acme.example")
    assert created["revision"] == 1 and created["enabled"] is True


def test_creating_a_branch_writes_exactly_one_branch_created_event_with_the_full_envelope(company, branch, rows):
    acme = company()
    created = branch(acme["id"], headers={"X-Request-ID": "req-create-north"})

    outbox = _branch_rows(rows)
    assert len(outbox) == 1
    event = _envelope(outbox[0])
    uuid.UUID(event["id"])
    assert event["type"] == "branch_created" and event["version"] == 1
    assert datetime.fromisoformat(event["occurred_at"]).tzinfo is not None
    assert event["tenant_id"] == acme["id"]
    assert event["branch_id"] == created["branch_id"]
    assert event["correlation_id"] == "req-create-north"
    assert event["data"] == created  # the event carries the branch exactly as the API shows it


def test_the_branch_and_its_events_are_written_in_the_same_transaction(company, branch, rows):
    branch(company()["id"])
    (branch_row,), outbox = rows("branches"), rows("outbox")
    assert sorted(r["event_type"] for r in outbox) == ["branch_created", "portal_settings_updated"]
    # now() is the transaction's start time: equal timestamps mean one transaction wrote them all.
    assert {r["created_at"] for r in outbox} == {branch_row["created_at"]}


def test_when_recording_the_event_fails_the_branch_is_not_created_either(client, operator, company, rows,
                                                                        monkeypatch):
    acme = company()
    real_record = use_cases.record_event

    def record_then_fail(session, event):
        real_record(session, event)
        raise RuntimeError("the outbox is on fire")

    monkeypatch.setattr(use_cases, "record_event", record_then_fail)
    response = client.post(f"/companies/{acme['id']}/branches", headers=operator,
                           json={"slug": "north", "name": "North", "time_zone": "UTC"})
    assert response.status_code == 500
    assert response.get_json()["code"] == "internal_error"
    assert rows("branches") == [] and rows("outbox") == []
    assert rows("portal_settings", "branch_id") == [] and rows("portal_settings_versions", "version") == []


# -- updating --------------------------------------------------------------------------------

def test_updating_a_branch_increments_its_revision_and_publishes_branch_updated(client, operator, company, branch,
                                                                                rows):
    created = branch(company()["id"])
    response = client.patch(f"/branches/{created['branch_id']}", headers={**operator, "X-Request-ID": "req-upd"},
                            json={"name": "North Side", "slug": "north-side", "enabled": False,
                                  "time_zone": "America/Denver"})
    assert response.status_code == 200
    updated = response.get_json()
    assert updated["revision"] == 2
    assert (updated["name"], updated["slug"], updated["enabled"], updated["time_zone"], updated["portal_url"]) == \
        ("North Side", "north-side", False, "America/Denver", "http://north-side.localhost:8080")

    events = [_envelope(row) for row in _branch_rows(rows)]
    assert [e["type"] for e in events] == ["branch_created", "branch_updated"]
    assert events[1]["data"] == updated
    assert events[1]["correlation_id"] == "req-upd"
    assert rows("branches")[0]["revision"] == 2


def test_every_update_increments_the_revision_again(client, operator, company, branch):
    created = branch(company()["id"])
    for expected in (2, 3, 4):
        response = client.patch(f"/branches/{created['branch_id']}", headers=operator, json={"enabled": True})
        assert response.get_json()["revision"] == expected


def test_renaming_a_company_republishes_every_one_of_its_branches(client, operator, company, branch, rows):
    acme = company(name="Acme")
    north, south = branch(acme["id"], slug="north"), branch(acme["id"], slug="south")
    other = branch(company(name="Other Co")["id"], slug="elsewhere")

    response = client.patch(f"/companies/{acme['id']}", headers=operator, json={"name": "Acme Outdoor"})
    assert response.status_code == 200 and response.get_json()["name"] == "Acme Outdoor"

    updates = [_envelope(row) for row in rows("outbox") if row["event_type"] == "branch_updated"]
    assert sorted(e["branch_id"] for e in updates) == sorted([north["branch_id"], south["branch_id"]])
    assert other["branch_id"] not in {e["branch_id"] for e in updates}
    for event in updates:
        assert event["data"]["company_name"] == "Acme Outdoor"
        assert event["data"]["revision"] == 2
        assert event["tenant_id"] == acme["id"]


def test_a_slug_taken_by_any_company_answers_409_slug_taken_and_writes_nothing(client, operator, company, branch,
                                                                              rows):
    branch(company(name="First")["id"], slug="north")
    second = company(name="Second")
    branches_before, outbox_before = rows("branches"), rows("outbox")

    response = client.post(f"/companies/{second['id']}/branches", headers=operator,
                           json={"slug": "NORTH", "name": "Also North", "time_zone": "UTC"})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "slug_taken"
    assert "slug" in body["errors"]
    assert "north" in body["detail"]
    assert rows("branches") == branches_before and rows("outbox") == outbox_before


def test_moving_a_branch_onto_a_taken_slug_answers_409_and_changes_nothing(client, operator, company, branch, rows):
    acme = company()
    branch(acme["id"], slug="north")
    south = branch(acme["id"], slug="south")
    outbox_before = rows("outbox")
    response = client.patch(f"/branches/{south['branch_id']}", headers=operator, json={"slug": "north"})
    assert response.status_code == 409 and response.get_json()["code"] == "slug_taken"
    assert sorted(r["slug"] for r in rows("branches", "slug")) == ["north", "south"]
    assert rows("outbox") == outbox_before


# -- validation ------------------------------------------------------------------------------

VALID = {"slug": "north", "name": "North", "time_zone": "America/Chicago"}


@pytest.mark.parametrize("changes, bad_fields", [
    ({"slug": "-north"}, {"slug"}),
    ({"slug": "north_side"}, {"slug"}),
    ({"time_zone": "Mars/Olympus_Mons"}, {"time_zone"}),
    ({"name": ""}, {"name"}),
    ({"slug": "Bad Slug!", "time_zone": "Nowhere", "name": ""}, {"slug", "time_zone", "name"}),
    ({"slug": None, "name": None, "time_zone": None}, {"slug", "time_zone", "name"}),
])
def test_an_invalid_branch_answers_422_naming_each_bad_field_and_writes_nothing(client, operator, company, rows,
                                                                               changes, bad_fields):
    acme = company()
    body = {**VALID, **changes}
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post(f"/companies/{acme['id']}/branches", headers=operator, json=body)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "validation_failed"
    assert set(problem["errors"]) == bad_fields
    for field in bad_fields:
        assert field in problem["detail"]
    assert rows("branches") == [] and rows("outbox") == []


@pytest.mark.parametrize("slug", ["www", "admin", "API"])
def test_a_reserved_slug_is_refused(client, operator, company, rows, slug):
    acme = company()
    response = client.post(f"/companies/{acme['id']}/branches", headers=operator, json={**VALID, "slug": slug})
    assert response.status_code == 422
    assert "reserved" in response.get_json()["errors"]["slug"][0]
    assert rows("branches") == [] and rows("outbox") == []


def test_an_invalid_update_answers_422_and_leaves_the_branch_and_outbox_alone(client, operator, company, branch,
                                                                             rows):
    created = branch(company()["id"])
    before_branches, before_outbox = rows("branches"), rows("outbox")
    response = client.patch(f"/branches/{created['branch_id']}", headers=operator,
                            json={"slug": "admin", "time_zone": "Nowhere/Special"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"slug", "time_zone"}
    assert rows("branches") == before_branches and rows("outbox") == before_outbox


def test_a_company_needs_a_name_and_a_valid_email(client, operator, rows):
    response = client.post("/companies", headers=operator, json={"name": "", "contact_email": "nope"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"name", "contact_email"}
    assert rows("companies") == []


# -- not found and authentication ------------------------------------------------------------

@pytest.mark.parametrize("method, path, body", [
    ("POST", "/companies/{id}/branches", VALID),
    ("GET", "/companies/{id}/branches", None),
    ("GET", "/companies/{id}", None),
    ("PATCH", "/companies/{id}", {"name": "Renamed"}),
    ("GET", "/branches/{id}", None),
    ("PATCH", "/branches/{id}", {"name": "Renamed"}),
])
def test_an_unknown_company_or_branch_answers_a_404_problem(client, operator, rows, method, path, body):
    response = client.open(path.format(id=uuid.uuid4()), method=method, headers=operator, json=body)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_found"
    assert rows("outbox") == []


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token"},
                                     {"Authorization": "test-operator-token"},
                                     {"Authorization": "Basic test-operator-token"}])
def test_without_the_operator_token_nothing_is_read_or_written(client, company, rows, headers):
    acme = company()
    companies_before = rows("companies")
    attempts = [
        client.post("/companies", json={"name": "Intruder Inc"}, headers=headers),
        client.post(f"/companies/{acme['id']}/branches", json=VALID, headers=headers),
        client.patch(f"/companies/{acme['id']}", json={"name": "Pwned"}, headers=headers),
        client.get("/companies", headers=headers),
        client.get(f"/companies/{acme['id']}", headers=headers),
    ]
    for response in attempts:
        assert response.status_code == 401
        assert response.get_json()["code"] == "unauthenticated"
    assert rows("companies") == companies_before
    assert rows("branches") == [] and rows("outbox") == []


def test_the_operator_token_is_checked_before_the_body_so_strangers_learn_nothing_about_validation(client,
                                                                                                    company):
    acme = company()
    for response in (client.post("/companies", json={"name": ""}),
                     client.post(f"/companies/{acme['id']}/branches", json={"slug": "-bad"}),
                     client.get("/companies?page_size=0")):
        assert response.status_code == 401
        assert "errors" not in response.get_json()


# -- listing ---------------------------------------------------------------------------------

def test_companies_are_listed_a_page_at_a_time(client, operator, company):
    names = [f"Company {i}" for i in range(5)]
    for name in names:
        company(name=name)
    first = client.get("/companies?page=1&page_size=2", headers=operator)
    last = client.get("/companies?page=3&page_size=2", headers=operator)
    assert first.status_code == 200
    assert [c["name"] for c in first.get_json()] == names[:2]
    assert [c["name"] for c in last.get_json()] == names[4:]
    pagination = json.loads(first.headers["X-Pagination"])
    assert (pagination["total"], pagination["total_pages"], pagination["page"]) == (5, 3, 1)
    assert json.loads(last.headers["X-Pagination"])["page"] == 3


def test_a_companys_branches_are_listed_a_page_at_a_time_and_only_its_own(client, operator, company, branch):
    acme, other = company(name="Acme"), company(name="Other")
    for slug in ("c-branch", "a-branch", "b-branch"):
        branch(acme["id"], slug=slug)
    branch(other["id"], slug="not-acme")
    response = client.get(f"/companies/{acme['id']}/branches?page=1&page_size=2", headers=operator)
    assert [b["slug"] for b in response.get_json()] == ["a-branch", "b-branch"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    page_two = client.get(f"/companies/{acme['id']}/branches?page=2&page_size=2", headers=operator)
    assert [b["slug"] for b in page_two.get_json()] == ["c-branch"]


def test_a_branch_reads_back_as_it_was_created(client, operator, company, branch):
    created = branch(company()["id"])
    assert client.get(f"/branches/{created['branch_id']}", headers=operator).get_json() == created
