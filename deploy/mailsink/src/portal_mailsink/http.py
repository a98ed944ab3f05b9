"""HTTP side: the Flask app factory ``create_app(store)``.

This module owns the wire format. ``/api/v1/...`` mirrors the subset of
Mailpit's JSON API that our tests and tools use (same paths, field names and
semantics), so real Mailpit can replace the sink without client changes.
``/`` and ``/view/<ID>`` are a minimal HTML inbox for humans; ``/livez`` is the
health check.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from flask import Flask, Response, abort, jsonify, render_template_string, request

from .store import Address, Message, MessageStore, Part, rfc3339

DEFAULT_LIMIT = 50  # Mailpit's default page size


def create_app(store: MessageStore) -> Flask:
    app = Flask(__name__)
    app.json.sort_keys = False  # keep Mailpit's field order; easier to eyeball

    def find(message_id: str) -> Message:
        # "latest" is a Mailpit alias for the newest message, handy in tests.
        message = store.latest() if message_id == "latest" else store.get(message_id)
        if message is None:
            abort(404)
        return message

    @app.errorhandler(404)
    def not_found(_error):
        return jsonify(error="not found"), 404

    @app.errorhandler(400)
    def bad_request(error):
        return jsonify(error=error.description), 400

    @app.get("/livez")
    def livez():
        return _plain("ok")

    @app.get("/api/v1/messages")
    def list_messages():
        start = max(request.args.get("start", 0, type=int), 0)
        limit = request.args.get("limit", DEFAULT_LIMIT, type=int)
        if limit < 1:
            limit = DEFAULT_LIMIT
        total, unread, page = store.page(start, limit)
        return jsonify(
            total=total,
            unread=unread,
            count=len(page),
            messages_count=total,  # no search here, so "matching" == all
            start=start,
            tags=[],
            messages=[_summary(m) for m in page],
        )

    @app.delete("/api/v1/messages")
    def delete_messages():
        # Mailpit: no body, or an empty/missing "IDs", deletes everything.
        # Unlike Mailpit, a malformed body is rejected instead of wiping all.
        body = request.get_data(as_text=True).strip()
        ids: list[str] = []
        if body:
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                abort(400, "body must be a JSON object like {\"IDs\": [...]}")
            ids = payload.get("IDs") or []
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                abort(400, "\"IDs\" must be a list of message IDs")
        if ids:
            store.delete(ids)
        else:
            store.delete_all()
        return _plain("ok")

    @app.get("/api/v1/message/<message_id>")
    def get_message(message_id: str):
        message = find(message_id)
        store.mark_read(message.id)  # Mailpit marks a message read when fetched
        return jsonify(_detail(message))

    @app.get("/api/v1/message/<message_id>/raw")
    def get_raw(message_id: str):
        return _plain(find(message_id).raw)

    @app.get("/api/v1/message/<message_id>/part/<part_id>")
    def get_part(message_id: str, part_id: str):
        part = find(message_id).part(part_id)
        if part is None:
            abort(404)
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):  # e.g. an attached message/rfc822
            payload = part.get_payload(0).as_bytes() if part.is_multipart() else b""
        response = Response(payload, mimetype=part.get_content_type())
        # Attachments are untrusted: never let the browser render them in our origin.
        filename = part.get_filename()
        if filename:
            response.headers.set("Content-Disposition", "attachment", filename=filename)
        else:
            response.headers["Content-Disposition"] = "attachment"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.get("/")
    def index():
        _, _, messages = store.page(0, store.max_messages)
        return render_template_string(_INDEX, messages=messages, when=_human_time)

    @app.get("/view/<message_id>")
    def view(message_id: str):
        message = find(message_id)
        store.mark_read(message.id)
        return render_template_string(
            _VIEW, m=message, when=_human_time, addrs=_human_addresses
        )

    return app


# --- JSON shapes (Mailpit field names) -------------------------------------


def _address(a: Address) -> dict:
    return {"Name": a.name, "Address": a.address}


def _addresses(addresses: list[Address]) -> list[dict]:
    return [_address(a) for a in addresses]


def _part(p: Part) -> dict:
    return {
        "PartID": p.part_id,
        "FileName": p.filename,
        "ContentType": p.content_type,
        "ContentID": p.content_id,
        "Size": p.size,
    }


def _summary(m: Message) -> dict:
    return {
        "ID": m.id,
        "MessageID": m.message_id,
        "Read": m.read,
        "From": _address(m.sender),
        "To": _addresses(m.to),
        "Cc": _addresses(m.cc),
        "Bcc": _addresses(m.bcc),
        "ReplyTo": _addresses(m.reply_to),
        "Subject": m.subject,
        "Created": rfc3339(m.created),
        "Tags": [],
        "Size": m.size,
        "Attachments": len(m.attachments),
        "Snippet": m.snippet,
    }


def _detail(m: Message) -> dict:
    return {
        "ID": m.id,
        "MessageID": m.message_id,
        "From": _address(m.sender),
        "To": _addresses(m.to),
        "Cc": _addresses(m.cc),
        "Bcc": _addresses(m.bcc),
        "ReplyTo": _addresses(m.reply_to),
        "ReturnPath": m.return_path,
        "Subject": m.subject,
        "Date": rfc3339(m.date or m.created),
        "Text": m.text,
        "HTML": m.html,
        "Size": m.size,
        "Attachments": [_part(p) for p in m.attachments],
        "Inline": [_part(p) for p in m.inline],
        "Tags": [],
    }


def _plain(body: str | bytes) -> Response:
    response = Response(body, mimetype="text/plain")
    response.headers["X-Content-Type-Options"] = "nosniff"  # raw mail may look like HTML
    return response


# --- HTML pages --------------------------------------------------------------
# Jinja autoescapes render_template_string output, which is what makes putting
# untrusted mail (subjects, names, the HTML body in srcdoc) into the page safe.


def _human_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _human_addresses(addresses: list[Address]) -> str:
    return ", ".join(f"{a.name} <{a.address}>" if a.name else a.address for a in addresses)


_STYLE = """
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
  header { background: #2d3e50; color: #fff; padding: .6rem 1rem; }
  header a { color: #fff; text-decoration: none; font-weight: 600; }
  main { padding: 1rem; }
  table { width: 100%; border-collapse: collapse; background: #fff; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
  th { background: #eef0f3; font-weight: 600; }
  tr.unread td.subject a { font-weight: 700; }
  .muted { color: #777; }
  .snippet { color: #777; font-size: 12px; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; background: #fff; padding: .8rem; margin: 0 0 1rem; }
  dt { font-weight: 600; }
  dd { margin: 0; word-break: break-word; }
  h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
  pre { background: #fff; padding: .8rem; white-space: pre-wrap; word-break: break-word; margin: 0; }
  iframe { width: 100%; height: 60vh; border: 1px solid #e3e6ea; background: #fff; }
</style>
"""

_INDEX = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mail sink</title>"""
    + _STYLE
    + """</head><body>
<header><a href="/">Mail sink</a> <span class="muted">&middot; {{ messages|length }} message(s)</span></header>
<main>
{% if messages %}
<table>
  <thead><tr><th>Subject</th><th>From</th><th>To</th><th>Received</th></tr></thead>
  <tbody>
  {% for m in messages %}
    <tr class="{{ 'read' if m.read else 'unread' }}">
      <td class="subject"><a href="/view/{{ m.id }}">{{ m.subject or '(no subject)' }}</a>
        <div class="snippet">{{ m.snippet }}</div></td>
      <td>{{ m.sender.name or m.sender.address }}</td>
      <td>{{ m.to|map(attribute='address')|join(', ') }}</td>
      <td class="muted">{{ when(m.created) }}</td>
    </tr>
  {% endfor %}
  </tbody>
</table>
{% else %}
<p class="muted">No messages yet. Send mail to the SMTP port and reload.</p>
{% endif %}
</main></body></html>
"""
)

_VIEW = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ m.subject or '(no subject)' }} - Mail sink</title>"""
    + _STYLE
    + """</head><body>
<header><a href="/">&larr; Mail sink</a></header>
<main>
<dl>
  <dt>Subject</dt><dd>{{ m.subject or '(no subject)' }}</dd>
  <dt>From</dt><dd>{{ addrs([m.sender]) }}</dd>
  <dt>To</dt><dd>{{ addrs(m.to) }}</dd>
  {% if m.cc %}<dt>Cc</dt><dd>{{ addrs(m.cc) }}</dd>{% endif %}
  {% if m.bcc %}<dt>Bcc</dt><dd>{{ addrs(m.bcc) }}</dd>{% endif %}
  <dt>Received</dt><dd>{{ when(m.created) }}</dd>
  {% if m.attachments or m.inline %}<dt>Parts</dt><dd>
    {% for p in m.attachments + m.inline %}
      <a href="/api/v1/message/{{ m.id }}/part/{{ p.part_id }}">{{ p.filename or p.content_type }}</a> <span class="muted">({{ p.size }} B)</span>{% if not loop.last %}, {% endif %}
    {% endfor %}</dd>{% endif %}
  <dt>Source</dt><dd><a href="/api/v1/message/{{ m.id }}/raw">raw</a> &middot; <a href="/api/v1/message/{{ m.id }}">JSON</a></dd>
</dl>
<h2>HTML part</h2>
{% if m.html %}
{# Empty sandbox: no scripts, no forms, no same-origin access to this page. #}
<iframe sandbox referrerpolicy="no-referrer" title="HTML part" srcdoc="{{ m.html }}"></iframe>
{% else %}<p class="muted">(none)</p>{% endif %}
<h2>Text part</h2>
{% if m.text %}<pre>{{ m.text }}</pre>{% else %}<p class="muted">(none)</p>{% endif %}
</main></body></html>
"""
)
