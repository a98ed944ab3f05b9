"""The Requests pages (seed 003 "Requests Screen", "Add New Request Screen", "View Request Screen") against the
requests double: the list with Show and "N of M", Add New Request with the customer's properties and the files
passed on as they came, the service's refusal of a file shown naming it, View Request with its photos and
public comments, and Add Comment."""
from __future__ import annotations

import io
import re

import pytest

REQUEST_ID = "00000000-0000-4000-8000-000000000012"


@pytest.fixture
def one_request(services):
    services.requests.append({
        "id": REQUEST_ID, "number": "12", "title": "12: Broken sprinkler head near entrance",
        "subject": "Broken sprinkler head near entrance", "status": "Open", "priority": "High",
        "description": "Water is pooling.", "created_at": "2026-11-20T15:00:00+00:00", "completed_at": None,
        "property": {"id": "p-1", "name": "Maple House", "street": "1 Maple St", "city": "Springfield",
                     "state": "IL", "zip": "62701"},
        "proposals": [{"number": "56", "name": "Irrigation Repair"}],
        "attachments": [{"id": "a-1", "filename": "IMG_0001.jpg", "content_type": "image/jpeg", "size": 2048,
                         "image": True}],
        "comments": [{"id": "c-1", "author": "Jordan Blake", "text": "Crew is scheduled for Thursday.",
                      "created_at": "2026-11-20T16:00:00+00:00", "from_customer": False,
                      "attachments": [{"id": "a-2", "filename": "quote.pdf", "content_type": "application/pdf",
                                       "size": 4000, "image": False}]}]})
    return services.requests[0]


def token(html: str) -> str:
    return re.search(r'<form method="post" action="/requests[^"]*"[^>]*>\s*<input id="csrf_token" name="csrf_token" '
                     r'type="hidden" value="([^"]+)"', html).group(1)


def test_the_list_shows_open_requests_with_n_of_m_and_add_new_request(client, as_customer, one_request):
    html = client.get("/requests", headers=as_customer).get_data(as_text=True)
    assert '<span class="invoice-row__title">12: Broken sprinkler head near entrance</span>' in html
    assert "Open 1 of 1" in html and "<strong>High</strong>" in html and ">OPEN</span>" in html
    assert 'href="/requests/new">Add New Request</a>' in html
    closed = client.get("/requests?show=closed", headers=as_customer).get_data(as_text=True)
    assert "Closed 0 of 0" in closed and "No closed requests" in closed


def test_add_new_request_offers_the_customers_properties_and_passes_the_files_on(client, as_customer, services):
    page = client.get("/requests/new", headers=as_customer)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for label in ("Associated Property", "Subject", "Priority", "Attachments", "Description", "Submit Request",
                  "Cancel"):
        assert label in html
    assert '<option value="p-1">Maple House – 1 Maple St</option>' in html
    assert 'js/requests.js' in html and "onclick" not in html
    answer = client.post("/requests/new", headers=as_customer, content_type="multipart/form-data", data={
        "csrf_token": token(html), "property_id": "p-1", "subject": "Dead shrubs", "priority": "High",
        "description": "Three died.", "attachments": [(io.BytesIO(b"one"), "a.jpg"), (io.BytesIO(b"two"), "b.png")]})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/requests/00000000-0000-4000-8000-00000000aaaa")
    call = services.called("requests")[-1]
    assert call["form"] == {"property_id": "p-1", "subject": "Dead shrubs", "priority": "High",
                            "description": "Three died."}
    assert call["files"] == [("a.jpg", b"one"), ("b.png", b"two")]


def test_a_refused_attachment_is_shown_naming_the_file(client, as_customer, services):
    html = client.get("/requests/new", headers=as_customer).get_data(as_text=True)
    message = "\u201choliday.jpg\u201d is not a photo (JPEG, PNG, WebP or HEIC) or a PDF."
    services.refuse_upload = {"detail": message, "errors": {"attachments": [message]}}
    answer = client.post("/requests/new", headers=as_customer, content_type="multipart/form-data", data={
        "csrf_token": token(html), "property_id": "p-1", "subject": "S", "priority": "Normal", "description": "D",
        "attachments": [(io.BytesIO(b"MZ"), "holiday.jpg")]})
    assert answer.status_code == 422
    assert "holiday.jpg\u201d is not a photo" in answer.get_data(as_text=True)


def test_required_fields_are_named_before_anything_is_sent(client, as_customer, services):
    html = client.get("/requests/new", headers=as_customer).get_data(as_text=True)
    answer = client.post("/requests/new", headers=as_customer, content_type="multipart/form-data",
                         data={"csrf_token": token(html), "property_id": "", "subject": "", "description": ""})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Choose a property." in body and "Enter a subject." in body and "Enter a description." in body
    assert not [c for c in services.called("requests") if c.get("form")]


def test_view_request_shows_photos_comments_and_what_it_is_associated_with(client, as_customer, one_request):
    html = client.get(f"/requests/{REQUEST_ID}", headers=as_customer).get_data(as_text=True)
    assert "<h1 class=\"dashboard__title\">12: Broken sprinkler head near entrance</h1>" in html
    assert "Created Date" in html and "11/20/2026" in html and "Priority" in html
    assert (f'<a href="/api/requests/requests/{REQUEST_ID}/attachments/a-1" target="_blank" rel="noopener">'
            f'<img src="/api/requests/requests/{REQUEST_ID}/attachments/a-1/thumbnail"') in html
    assert "Crew is scheduled for Thursday." in html and ">quote.pdf</a>" in html
    assert "Associated with:" in html and "Proposal #56: Irrigation Repair" in html
    assert "Add Comment" in html


def test_add_comment_passes_the_text_and_files_on(client, as_customer, services, one_request):
    html = client.get(f"/requests/{REQUEST_ID}", headers=as_customer).get_data(as_text=True)
    answer = client.post(f"/requests/{REQUEST_ID}/comments", headers=as_customer,
                         content_type="multipart/form-data",
                         data={"csrf_token": token(html), "text": "Thanks!",
                               "attachments": [(io.BytesIO(b"pdf"), "note.pdf")]})
    assert answer.status_code == 303
    call = services.called("requests")[-1]
    assert call["form"] == {"text": "Thanks!"} and call["files"] == [("note.pdf", b"pdf")]


def test_a_request_that_is_not_the_customers_is_a_404_page(client, as_customer, services):
    answer = client.get(f"/requests/{REQUEST_ID}", headers=as_customer)
    assert answer.status_code == 404 and "Request not found" in answer.get_data(as_text=True)


def test_a_form_past_five_ten_megabyte_files_is_refused_saying_so(client, as_customer, services):
    answer = client.post("/requests/new", headers=as_customer, content_type="multipart/form-data",
                         data={"attachments": [(io.BytesIO(b"\0" * (52 * 1024 * 1024)), "huge.jpg")]})
    assert answer.status_code == 413
    assert "at most 5 files of 10 MB or less each" in answer.get_data(as_text=True)
    assert not services.called("requests") or not any(c.get("files") for c in services.called("requests"))
