"""Tests of the Flask app (Mailpit JSON shapes, errors, HTML escaping) using
Flask's test client over a real MessageStore."""

import pytest

from portal_mailsink.http import create_app
from portal_mailsink.store import MessageStore

SUMMARY_KEYS = {"ID", "MessageID", "Read", "From", "To", "Cc", "Bcc", "ReplyTo", "Subject",
                "Created", "Tags", "Size", "Attachments", "Snippet"}
DETAIL_KEYS = {"ID", "MessageID", "From", "To", "Cc", "Bcc", "ReplyTo", "ReturnPath", "Subject",
               "Date", "Text", "HTML", "Size", "Attachments", "Inline", "Tags"}

HOSTILE = (
    "From: \"<b>Mallory</b>\" <mallory@example.com>\r\n"
    "To: victim@example.com\r\n"
    "Subject: <script>alert('subject')</script>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\n</pre><script>alert('text')</script>\r\n"
    "--b\r\nContent-Type: text/html\r\n\r\n"
    "<p class=\"x\">hi</p>\"><script>alert('html')</script>\r\n"
    "--b--\r\n"
).encode()


@pytest.fixture
def store():
    return MessageStore()


@pytest.fixture
def client(store):
    return create_app(store).test_client()


def add(store, subject):
    raw = f"From: a@example.com\r\nTo: b@example.com\r\nSubject: {subject}\r\n\r\nbody {subject}\r\n"
    return store.add(raw.encode(), "a@example.com", ["b@example.com"])


def test_livez(client):
    response = client.get("/livez")
    assert response.status_code == 200 and response.text == "ok"


def test_list_has_mailpit_shape_and_paging(client, store):
    ids = [add(store, f"s{i}").id for i in range(3)]
    body = client.get("/api/v1/messages").get_json()
    assert {k: body[k] for k in ("total", "unread", "count", "messages_count", "start", "tags")} == {
        "total": 3, "unread": 3, "count": 3, "messages_count": 3, "start": 0, "tags": []}
    assert [m["ID"] for m in body["messages"]] == ids[::-1]
    first = body["messages"][0]
    assert set(first) == SUMMARY_KEYS
    assert first["Read"] is False and first["Tags"] == [] and first["Attachments"] == 0
    assert first["Created"].endswith("Z")

    page = client.get("/api/v1/messages?start=1&limit=1").get_json()
    assert (page["start"], page["count"], page["total"]) == (1, 1, 3)
    assert [m["Subject"] for m in page["messages"]] == ["s1"]
    # Garbage paging values fall back to defaults instead of erroring.
    assert client.get("/api/v1/messages?start=x&limit=-4").get_json()["count"] == 3


def test_get_message_detail_marks_it_read(client, store):
    message = add(store, "hello")
    response = client.get(f"/api/v1/message/{message.id}")
    assert response.status_code == 200
    detail = response.get_json()
    assert set(detail) == DETAIL_KEYS
    assert detail["Subject"] == "hello" and detail["Text"].strip() == "body hello"
    assert detail["From"] == {"Name": "", "Address": "a@example.com"}
    assert detail["ReturnPath"] == "a@example.com"
    listing = client.get("/api/v1/messages").get_json()
    assert listing["unread"] == 0 and listing["messages"][0]["Read"] is True


def test_latest_alias(client, store):
    add(store, "old")
    newest = add(store, "new")
    assert client.get("/api/v1/message/latest").get_json()["ID"] == newest.id


def test_unknown_message_is_404_json(client):
    for path in ("/api/v1/message/nope", "/api/v1/message/nope/raw",
                 "/api/v1/message/latest", "/view/nope"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json() == {"error": "not found"}


def test_raw_is_plain_text(client, store):
    message = add(store, "raw")
    response = client.get(f"/api/v1/message/{message.id}/raw")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == store.get(message.id).raw


def test_delete_by_ids_then_all(client, store):
    a, b, c = (add(store, s) for s in "abc")
    response = client.delete("/api/v1/messages", json={"IDs": [a.id, c.id]})
    assert response.status_code == 200 and response.text == "ok"
    assert [m.id for m in store.page()[2]] == [b.id]
    assert client.delete("/api/v1/messages", json={"IDs": []}).status_code == 200
    assert len(store) == 0


def test_delete_without_body_deletes_all(client, store):
    add(store, "x")
    assert client.delete("/api/v1/messages").text == "ok"
    assert len(store) == 0


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '{"IDs": "abc"}', '{"IDs": [1]}'])
def test_delete_with_malformed_body_is_rejected_and_keeps_messages(client, store, body):
    add(store, "keep me")
    response = client.delete("/api/v1/messages", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.get_json()
    assert len(store) == 1


def test_part_download_is_forced_attachment(client, store):
    raw = (
        b"From: a@example.com\r\nTo: b@example.com\r\nSubject: att\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=z\r\n\r\n"
        b"--z\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b"--z\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename=\"x.html\"\r\n\r\n"
        b"<script>alert(1)</script>\r\n--z--\r\n"
    )
    message = store.add(raw)
    detail = client.get(f"/api/v1/message/{message.id}").get_json()
    assert [(p["PartID"], p["FileName"]) for p in detail["Attachments"]] == [("2", "x.html")]
    response = client.get(f"/api/v1/message/{message.id}/part/2")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.strip() == b"<script>alert(1)</script>"
    assert client.get(f"/api/v1/message/{message.id}/part/7").status_code == 404


def test_index_lists_messages_escaped(client, store):
    empty = client.get("/")
    assert empty.status_code == 200 and "No messages yet" in empty.text
    message = store.add(HOSTILE, "mallory@example.com", ["victim@example.com"])
    page = client.get("/").text
    assert f'href="/view/{message.id}"' in page
    assert "&lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;" in page
    assert "victim@example.com" in page
    assert "<script>" not in page


def test_view_shows_text_and_sandboxed_html(client, store):
    message = store.add(HOSTILE, "mallory@example.com", ["victim@example.com"])
    page = client.get(f"/view/{message.id}").text
    assert "<script>" not in page  # nothing from the mail runs in our origin
    assert "&lt;/pre&gt;&lt;script&gt;alert(&#39;text&#39;)" in page
    assert "&lt;b&gt;Mallory&lt;/b&gt; &lt;mallory@example.com&gt;" in page
    srcdoc = page.split('srcdoc="', 1)[1].split('"', 1)[0]
    assert srcdoc.startswith("&lt;p class=&#34;x&#34;&gt;hi&lt;/p&gt;&#34;&gt;&lt;script&gt;")
    assert '<iframe sandbox referrerpolicy="no-referrer"' in page
    assert client.get("/api/v1/messages").get_json()["unread"] == 0
