"""Unit tests of MIME parsing and the in-memory store (no sockets)."""

import threading
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from portal_mailsink.store import MessageStore, make_snippet, parse_message


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


MULTIPART = crlf(
    """From: =?utf-8?q?Zo=C3=AB_Sender?= <zoe@example.com>
To: Bob <bob@example.com>, carol@example.com
Cc: Dave <dave@example.com>
Reply-To: replies@example.com
Subject: =?utf-8?b?SMOpbGxvIHdvcmxk?=
Date: Tue, 07 May 2024 10:11:12 +0200
Message-ID: <abc123@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

Hello =C3=BCnicode text
--alt
Content-Type: text/html; charset="utf-8"

<html><head><style>p{}</style></head><body><p>Hello <b>HTML</b></p></body></html>
--alt--
--outer
Content-Type: application/pdf
Content-Disposition: attachment; filename="invoice.pdf"
Content-Transfer-Encoding: base64

UERGREFUQQ==
--outer--
"""
)


def test_parses_decoded_headers_and_addresses():
    m = parse_message(MULTIPART, mail_from="bounce@example.com",
                      rcpt_tos=["bob@example.com", "carol@example.com", "dave@example.com"])
    assert m.subject == "Héllo world"
    assert (m.sender.name, m.sender.address) == ("Zoë Sender", "zoe@example.com")
    assert [(a.name, a.address) for a in m.to] == [("Bob", "bob@example.com"), ("", "carol@example.com")]
    assert [a.address for a in m.cc] == ["dave@example.com"]
    assert m.bcc == []  # every envelope recipient is already in To/Cc
    assert [a.address for a in m.reply_to] == ["replies@example.com"]
    assert m.message_id == "abc123@example.com"
    assert m.return_path == "bounce@example.com"
    assert m.date == datetime(2024, 5, 7, 10, 11, 12, tzinfo=timezone(timedelta(hours=2)))
    assert m.size == len(MULTIPART) and m.raw == MULTIPART


def test_parses_text_html_and_attachments():
    m = parse_message(MULTIPART)
    assert m.text.strip() == "Hello ünicode text"
    assert "<p>Hello <b>HTML</b></p>" in m.html
    assert m.snippet == "Hello ünicode text"
    assert [(p.part_id, p.filename, p.content_type, p.size) for p in m.attachments] == [
        ("2", "invoice.pdf", "application/pdf", len(b"PDFDATA"))
    ]
    assert m.inline == []
    assert m.part("2").get_payload(decode=True) == b"PDFDATA"
    assert m.part("9") is None


def test_inline_image_in_related_part():
    msg = EmailMessage()
    msg["From"] = "a@example.com"
    msg["To"] = "b@example.com"
    msg["Subject"] = "inline"
    msg.set_content("text")
    msg.add_alternative('<img src="cid:logo@x">', subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG", maintype="image", subtype="png", cid="<logo@x>")
    m = parse_message(msg.as_bytes())
    assert m.attachments == []
    assert [(p.content_id, p.content_type, p.filename) for p in m.inline] == [
        ("logo@x", "image/png", "logo@x")  # Mailpit names unnamed inline parts by Content-ID
    ]
    assert m.html.strip() == '<img src="cid:logo@x">'


def test_envelope_recipients_missing_from_headers_become_bcc():
    raw = crlf("From: a@example.com\nTo: Bob <BOB@example.com>\nSubject: s\n\nbody\n")
    m = parse_message(raw, rcpt_tos=["bob@example.com", "hidden@example.com"])
    assert [(a.name, a.address) for a in m.bcc] == [("", "hidden@example.com")]


def test_html_only_message_snippet_strips_markup():
    raw = crlf(
        "From: a@example.com\nTo: b@example.com\nSubject: html\n"
        "Content-Type: text/html; charset=utf-8\n\n"
        "<style>.x{color:red}</style><h1>Reset&nbsp;your   password</h1><p>Click <a href='#'>here</a></p>\n"
    )
    m = parse_message(raw)
    assert m.text == ""
    assert "<h1>" in m.html
    assert m.snippet == "Reset your password Click here"  # &nbsp; and runs of space collapse


def test_missing_message_id_is_generated_and_added_to_raw():
    raw = crlf("From: a@example.com\nTo: b@example.com\nSubject: s\n\nbody\n")
    m = parse_message(raw)
    assert m.message_id.endswith("@mailsink")
    assert m.raw == f"Message-ID: <{m.message_id}>\r\n".encode() + raw
    assert m.text.strip() == "body"


def test_receiving_reads_the_logged_headers_and_the_full_parse_agrees_with_them():
    store = MessageStore()
    received = store.add(crlf("From: a@example.com\nTo: b@example.com\nSubject: =?utf-8?q?Caf=C3=A9?=\n\nbody\n"),
                         "a@example.com", ["b@example.com"])
    assert received.subject == "Café"
    assert received.message_id.endswith("@mailsink")  # generated once, on receipt
    message = store.get(received.id)
    assert (message.id, message.message_id, message.subject, message.created, message.size) == (
        received.id, received.message_id, "Café", received.created, received.size)
    assert message.raw.startswith(f"Message-ID: <{received.message_id}>".encode())
    assert store.page()[2][0] is message  # parsed once, then kept


def test_missing_from_and_unknown_charset_do_not_break_parsing():
    raw = (
        b"To: b@example.com\r\nSubject: odd\r\n"
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nplain \xc3\xa9 body\r\n"
    )
    m = parse_message(raw)
    assert (m.sender.name, m.sender.address) == ("", "")
    assert m.text.strip() == "plain é body"
    assert m.date is None


def test_snippet_is_truncated():
    text = "word " * 100
    snippet = make_snippet(text, "<p>ignored when there is text</p>")
    assert snippet.endswith("...") and len(snippet) <= 253
    assert text.startswith(snippet[:-3]) and len(snippet) > 240


def add(store, subject, to="b@example.com"):
    return store.add(crlf(f"From: a@example.com\nTo: {to}\nSubject: {subject}\n\nbody\n"), "a@example.com", [to])


def test_store_lists_newest_first_with_paging():
    store = MessageStore()
    ids = [add(store, f"m{i}").id for i in range(5)]
    total, unread, page = store.page(start=1, limit=2)
    assert (total, unread) == (5, 5)
    assert [m.subject for m in page] == ["m3", "m2"]
    assert store.latest().id == ids[-1]
    assert store.get(ids[0]).subject == "m0"
    assert store.get("nope") is None


def test_store_drops_oldest_beyond_capacity():
    store = MessageStore(max_messages=3)
    for i in range(5):
        add(store, f"m{i}")
    _, _, page = store.page()
    assert [m.subject for m in page] == ["m4", "m3", "m2"]
    assert len(store) == 3


def test_store_delete_and_read_state():
    store = MessageStore()
    a, b, c = (add(store, s) for s in "abc")
    store.mark_read(b.id)
    assert store.page()[1] == 2
    assert store.delete([a.id, c.id, "unknown"]) == 2
    assert [m.id for m in store.page()[2]] == [b.id]
    assert store.delete_all() == 1
    assert store.page() == (0, 0, [])
    assert store.latest() is None


def test_store_rejects_zero_capacity():
    with pytest.raises(ValueError):
        MessageStore(max_messages=0)


def test_store_is_safe_under_concurrent_writers():
    store = MessageStore(max_messages=10_000)
    threads = [threading.Thread(target=lambda n=n: [add(store, f"{n}-{i}") for i in range(50)]) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total, _, page = store.page(limit=10_000)
    assert total == 400
    assert len({m.id for m in page}) == 400
