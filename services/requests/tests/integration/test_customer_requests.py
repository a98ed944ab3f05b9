"""The customer's requests: the list (Show Open/Closed, "N of M", the Property Filter), View Request, Add New
Request and Add Comment with attachments, and who is told (the outbox's events)."""
from __future__ import annotations

import io
import json
import os

import pytest
from PIL import Image

from portal_testkit.pytest_plugin import BRANCH, TENANT, assert_problem

from ..unit.samples import EXECUTABLE, PDF, SVG, eleven_megabytes, jpeg_with_gps, png
from .helpers import count, events, files, new_request, put_issue


@pytest.fixture
def me(customer_headers, known):
    return customer_headers(TENANT, BRANCH, known["me"])


@pytest.fixture
def april(customer_headers, known):
    """OTHER: a contact of p1 too (and of p3, which ME does not see)."""
    return customer_headers(TENANT, BRANCH, known["other"])


def stored_objects(storage) -> list[str]:
    return [name for _, _, names in os.walk(storage.root) for name in names] if storage.root.exists() else []


def test_the_list_shows_open_or_closed_requests_with_n_of_m(app_client, back_office, known, storage, me):
    for n in range(1, 4):
        put_issue(app_client, back_office(), f"open-{n}", number=str(n), comments=[])
    put_issue(app_client, back_office(), "closed-1", number="9", status="Closed",
              completed_at="2026-11-25T10:00:00+00:00", comments=[])
    page = app_client.get("/requests?page=1&page_size=2", headers=me)
    assert page.status_code == 200
    assert len(page.get_json()) == 2 and json.loads(page.headers["X-Pagination"])["total"] == 3
    row = page.get_json()[0]
    assert row["property"]["name"] == "Property p1" and row["status"] == "Open" and row["priority"] == "High"
    assert [r["title"] for r in app_client.get("/requests?show=closed", headers=me).get_json()] == [
        "9: Broken sprinkler head near entrance"]
    assert app_client.get(f"/requests?property_id={known['p2']}", headers=me).get_json() == []


def test_a_customer_creates_a_request_with_two_photos_and_the_account_owner_and_operations_manager_are_told(
        app_client, known, storage, me, db):
    created = new_request(app_client, me, known["p1"], priority="Medium",
                          attachments=[("IMG_0001.JPG", jpeg_with_gps()), ("IMG_0002.png", png())])
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "Open" and body["priority"] == "Normal" and body["subject"] == "Dead shrubs by the pool"
    assert [a["filename"] for a in body["attachments"]] == ["IMG_0001.jpg", "IMG_0002.jpg"]
    assert all(a["image"] for a in body["attachments"])
    [event] = events(db, "request_created")
    data = event["data"]
    assert data["request_id"] == body["id"] and data["attachments"] == 2
    assert data["opened_by"]["email"] == "me@example.com"
    assert sorted((p["role"], p["email"]) for p in data["notify"]) == [
        ("account_owner", "owner@example.com"), ("operations_manager", "ops@example.com")]
    # The summary's Pending Requests counts it.
    assert app_client.get("/summary", headers=me).get_json()["pending_requests"] == 1


def test_a_photo_is_served_re_encoded_without_gps_only_to_those_who_may_see_the_request(
        app_client, known, storage, me, april, customer_headers):
    body = new_request(app_client, me, known["p1"], attachments=[("IMG_0001.JPG", jpeg_with_gps())]).get_json()
    photo = body["attachments"][0]
    url = f"/requests/{body['id']}/attachments/{photo['id']}"
    full = app_client.get(url, headers=me)
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.headers["Content-Disposition"] == 'inline; filename="IMG_0001.jpg"'
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in full.headers["Content-Security-Policy"]
    assert not Image.open(io.BytesIO(full.data)).getexif()
    thumbnail = app_client.get(url + "/thumbnail", headers=me)
    assert thumbnail.status_code == 200 and max(Image.open(io.BytesIO(thumbnail.data)).size) <= 320
    # April, another contact of the property, sees it too; a contact of another property does not.
    assert app_client.get(url, headers=april).status_code == 200
    stranger = customer_headers(TENANT, BRANCH, known["p3"])   # an id that is no contact of p1
    assert_problem(app_client.get(url, headers=stranger), 404)


def test_a_pdf_is_only_ever_downloaded(app_client, known, storage, me):
    body = new_request(app_client, me, known["p1"], attachments=[("quote.pdf", PDF)]).get_json()
    pdf = body["attachments"][0]
    assert not pdf["image"]
    answer = app_client.get(f"/requests/{body['id']}/attachments/{pdf['id']}", headers=me)
    assert answer.mimetype == "application/pdf" and answer.data == PDF
    assert answer.headers["Content-Disposition"] == 'attachment; filename="quote.pdf"'
    assert_problem(app_client.get(f"/requests/{body['id']}/attachments/{pdf['id']}/thumbnail", headers=me), 404)


@pytest.mark.parametrize("attachments, named", [
    ([("holiday.jpg", EXECUTABLE)], "holiday.jpg"),
    ([("plan.svg", SVG)], "plan.svg"),
    ([("big.jpg", eleven_megabytes())], "big.jpg"),
    ([(f"p{n}.png", png()) for n in range(1, 7)], "p6.png"),
    ([("ok.png", png()), ("holiday.jpg", EXECUTABLE)], "holiday.jpg"),
])
def test_a_refused_attachment_is_named_and_nothing_is_stored(app_client, known, storage, me, db, attachments, named):
    refused = new_request(app_client, me, known["p1"], attachments=attachments)
    problem = assert_problem(refused, 422)
    assert named in problem["detail"] and named in problem["errors"]["attachments"][0]
    assert count(db, "requests") == 0 and count(db, "request_attachments") == 0
    assert events(db, "request_created") == [] and stored_objects(storage) == []


def test_required_fields_and_the_customers_own_properties(app_client, known, storage, me):
    for field in ("property_id", "subject", "description"):
        answer = new_request(app_client, me, known["p1"], **{field: ""})
        assert field in assert_problem(answer, 422)["errors"]
    for other_property in ("p3", "p4", "p5"):
        answer = new_request(app_client, me, known[other_property])
        assert "property_id" in assert_problem(answer, 422)["errors"]


def test_a_comment_with_an_attachment_tells_the_account_owner_and_another_contact_can_comment_too(
        app_client, known, storage, me, april, db):
    body = new_request(app_client, me, known["p1"]).get_json()
    commented = app_client.post(f"/requests/{body['id']}/comments", headers=me, content_type="multipart/form-data",
                                data={"text": "Here is the far corner.",
                                      "attachments": files(("corner.jpg", jpeg_with_gps()))})
    assert commented.status_code == 201, commented.get_json()
    by_april = app_client.post(f"/requests/{body['id']}/comments", headers=april, content_type="multipart/form-data",
                               data={"text": "Also the hedge."})
    assert by_april.status_code == 201
    comments = by_april.get_json()["comments"]
    assert [(c["author"], c["text"]) for c in comments] == [("Camilla Sailor", "Here is the far corner."),
                                                             ("April Malmba", "Also the hedge.")]
    assert [a["filename"] for a in comments[0]["attachments"]] == ["corner.jpg"]
    told = events(db, "request_commented")
    assert [e["data"]["author"]["email"] for e in told] == ["me@example.com", "other@example.com"]
    assert [p["email"] for p in told[0]["data"]["notify"]] == ["owner@example.com"]
    assert "text" in assert_problem(app_client.post(
        f"/requests/{body['id']}/comments", headers=me, content_type="multipart/form-data", data={"text": ""}),
        422)["errors"]


def test_a_private_comments_attachment_is_never_served(app_client, back_office, known, storage, me):
    doc_comment = {"external_id": "c9", "public": False, "author": "Riley Chen", "text": "Internal photo.",
                   "attachments": [{"filename": "internal.png", "content": __import__("base64").b64encode(png()).decode()}]}
    stored = put_issue(app_client, back_office(), comments=[doc_comment])
    assert stored.status_code == 200, stored.get_json()
    request_id = stored.get_json()["id"]
    from portal_requests.adapters.orm import attachments as table
    import sqlalchemy as sa
    db = app_client.application.extensions["portal_db"]
    with db.unit_of_work() as session:
        attachment_id = session.scalar(sa.select(table.c.id))
    assert_problem(app_client.get(f"/requests/{request_id}/attachments/{attachment_id}", headers=me), 404)
    assert app_client.get(f"/requests/{request_id}", headers=me).get_json()["comments"] == []


def test_a_control_character_in_a_form_field_is_refused_naming_it(app_client, known, storage, me, db):
    answer = new_request(app_client, me, known["p1"], subject="Dead\x00shrubs")
    assert "subject" in assert_problem(answer, 422)["errors"]
    assert count(db, "requests") == 0
