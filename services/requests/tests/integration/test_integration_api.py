"""PUT /integration/requests/<external_id>: the back office's issues, and what of them reaches the portal."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, assert_problem

from .helpers import events, issue, new_request, put_issue


@pytest.fixture
def me(customer_headers, known):
    return customer_headers(TENANT, BRANCH, known["me"])


def test_an_issue_is_stored_by_the_back_offices_id_and_a_second_put_replaces_it(app_client, back_office, known,
                                                                                 storage, me):
    first = put_issue(app_client, back_office())
    assert first.status_code == 200, first.get_json()
    again = put_issue(app_client, back_office(), subject="Broken sprinkler head (west entrance)")
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    rows = app_client.get("/requests", headers=me).get_json()
    assert [r["title"] for r in rows] == ["12: Broken sprinkler head (west entrance)"]


def test_concurrent_puts_of_one_new_issue_store_it_once_and_none_fails(app_client, back_office, known, storage):
    headers = back_office()

    def put(_):
        with app_client.application.test_client() as client:   # a client per thread: four retries at once
            return put_issue(client, headers, "issue-race")
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(put, range(4)))
    assert [a.status_code for a in answers] == [200] * 4, [a.get_json() for a in answers]
    assert len({a.get_json()["id"] for a in answers}) == 1


def test_medium_priority_is_taken_as_normal(app_client, back_office, known, storage):
    assert put_issue(app_client, back_office(), priority="Medium").get_json()["priority"] == "Normal"
    assert_problem(put_issue(app_client, back_office(), priority="Urgent"), 422)


def test_only_include_client_issues_and_public_comments_reach_the_portal(app_client, back_office, known, storage,
                                                                         me):
    put_issue(app_client, back_office(), "issue-10", number="10", include_client=False, subject="Crew parking",
              comments=[])
    stored = put_issue(app_client, back_office()).get_json()
    rows = app_client.get("/requests", headers=me).get_json()
    assert [r["number"] for r in rows] == ["12"]
    detail = app_client.get(f"/requests/{stored['id']}", headers=me).get_json()
    assert [c["text"] for c in detail["comments"]] == ["Crew is scheduled for Thursday."]
    hidden = put_issue(app_client, back_office(), "issue-10", number="10", include_client=False, comments=[]).get_json()
    assert_problem(app_client.get(f"/requests/{hidden['id']}", headers=me), 404)


def test_a_closed_issue_has_its_completed_date_and_a_completed_date_needs_closed(app_client, back_office, known,
                                                                                 storage, me):
    bad = put_issue(app_client, back_office(), completed_at="2026-11-22T10:00:00+00:00")
    assert "completed_at" in assert_problem(bad, 422)["errors"]
    stored = put_issue(app_client, back_office(), status="Closed", completed_at="2026-11-22T10:00:00+00:00")
    assert stored.status_code == 200
    assert app_client.get("/requests", headers=me).get_json() == []
    closed = app_client.get("/requests?show=closed", headers=me).get_json()
    assert closed[0]["completed_at"].startswith("2026-11-22")


def test_an_unknown_property_or_a_wrong_scope_or_tenant_is_refused(app_client, back_office, known, storage):
    assert "property_external_id" in assert_problem(
        put_issue(app_client, back_office(), property_external_id="nowhere"), 422)["errors"]
    assert_problem(put_issue(app_client, back_office(scopes=("invoices:write",))), 403)
    # Another tenant's key cannot file an issue on this tenant's property.
    assert "property_external_id" in assert_problem(
        put_issue(app_client, back_office(OTHER_TENANT)), 422)["errors"]


def test_a_public_reply_to_a_request_a_customer_opened_tells_them_and_a_private_one_does_not(
        app_client, back_office, known, storage, me, db):
    opened = new_request(app_client, me, known["p1"]).get_json()
    doc = issue(portal_request_id=opened["id"], comments=[
        {"external_id": "r1", "public": False, "author": "Riley Chen", "text": "Internal: order the part."}])
    claimed = app_client.put("/integration/requests/issue-77", json=doc, headers=back_office())
    assert claimed.status_code == 200 and claimed.get_json()["id"] == opened["id"]
    assert events(db, "request_replied") == []
    doc["comments"].append({"external_id": "r2", "public": True, "author": "Jordan Blake",
                            "text": "We will replace the shrubs on Monday."})
    app_client.put("/integration/requests/issue-77", json=doc, headers=back_office())
    app_client.put("/integration/requests/issue-77", json=doc, headers=back_office())   # repeated: no second email
    replied = events(db, "request_replied")
    assert len(replied) == 1
    assert replied[0]["data"]["to"]["email"] == "me@example.com"
    assert replied[0]["data"]["text"] == "We will replace the shrubs on Monday."
    detail = app_client.get(f"/requests/{opened['id']}", headers=me).get_json()
    assert [c["text"] for c in detail["comments"]] == ["We will replace the shrubs on Monday."]
