"""The receiver's Flask app: POST anything under /hooks/, see it at / (HTML) or /api/arrivals (JSON).

Signatures are checked when a webhook arrives (Standard Webhooks allows 5 minutes of clock
skew, so checking later could fail for no fault of the sender) against every secret the receiver
knows: those given on the command line (`--secret`, env WEBHOOK_RECEIVER_SECRETS, comma
separated) and those added through the form on the page (POST /secrets). The secret is the one
the integration API showed once when the endpoint was registered. Everything lives in memory.
`POST /api/answer {"status": 503}` makes the receiver fail on purpose, to watch the retries.
"""
from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from flask import Flask, jsonify, redirect, render_template_string, request
from standardwebhooks import Webhook

MAX_ARRIVALS = 500
WEBHOOK_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent")


@dataclass
class Arrival:
    id: str
    received_at: str
    path: str
    headers: dict[str, str]
    body: str
    verified: bool | None     # None: no secret known yet
    verified_with: str | None  # the first characters of the secret that verified it
    error: str | None


class Receiver:
    """The state: known secrets, recorded arrivals (newest first, bounded), the status to answer."""

    def __init__(self, secrets: list[str] | None = None, max_arrivals: int = MAX_ARRIVALS):
        self.secrets: list[str] = []
        self.arrivals: deque[Arrival] = deque(maxlen=max_arrivals)
        self.answer_status = 204
        self._lock = threading.Lock()
        for secret in secrets or []:
            self.add_secret(secret)

    def add_secret(self, secret: str) -> None:
        secret = secret.strip()
        Webhook(secret)  # raises on a malformed secret
        with self._lock:
            if secret not in self.secrets:
                self.secrets.append(secret)

    def record(self, path: str, headers: dict[str, str], body: bytes) -> Arrival:
        verified, verified_with, error = self._verify(headers, body)
        arrival = Arrival(id=uuid.uuid4().hex, received_at=datetime.now(UTC).isoformat(), path=path,
                          headers={k: v for k, v in headers.items() if k in WEBHOOK_HEADERS},
                          body=body.decode("utf-8", errors="replace"), verified=verified,
                          verified_with=verified_with, error=error)
        with self._lock:
            self.arrivals.appendleft(arrival)
        return arrival

    def _verify(self, headers: dict[str, str], body: bytes) -> tuple[bool | None, str | None, str | None]:
        if not self.secrets:
            return None, None, "no secret registered: add the endpoint's whsec_ secret"
        error = None
        for secret in list(self.secrets):
            try:
                Webhook(secret).verify(body, headers)
                return True, secret[:12] + "…", None
            except Exception as exc:  # noqa: BLE001 - any failure means "not this secret"
                error = f"{type(exc).__name__}: {exc}"
        return False, None, error


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Webhook receiver</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2933}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}pre{white-space:pre-wrap;margin:0;
max-width:60rem;font-size:.85rem}.ok{color:#2f7d32;font-weight:bold}.bad{color:#b42318;font-weight:bold}</style></head>
<body><h1>Webhook receiver</h1>
<p>Register an endpoint with URL <code>{{ base }}hooks/&lt;anything&gt;</code>, paste its secret below, and
watch events arrive. Answering <strong>{{ status }}</strong>.</p>
<form method="post" action="secrets"><input name="secret" size="60" placeholder="whsec_..." required>
<button>Add secret</button> ({{ secret_count }} known)</form>
<form method="post" action="answer"><input name="status" size="4" value="{{ status }}">
<button>Answer with this status</button></form>
<table><tr><th>received</th><th>path</th><th>signature</th><th>webhook-id</th><th>body</th></tr>
{% for a in arrivals %}<tr><td>{{ a.received_at }}</td><td>{{ a.path }}</td>
<td>{% if a.verified %}<span class="ok">verified</span> ({{ a.verified_with }}){% elif a.verified is none %}unknown: {{ a.error }}
{% else %}<span class="bad">NOT verified</span>: {{ a.error }}{% endif %}</td>
<td><code>{{ a.headers.get("webhook-id", "") }}</code></td><td><pre>{{ a.body }}</pre></td></tr>
{% else %}<tr><td colspan="5">Nothing yet.</td></tr>{% endfor %}</table></body></html>"""


def create_app(receiver: Receiver) -> Flask:
    app = Flask(__name__)

    @app.post("/hooks", defaults={"rest": ""})
    @app.post("/hooks/<path:rest>")
    def hook(rest: str):
        headers = {k.lower(): v for k, v in request.headers.items()}
        receiver.record(request.path, headers, request.get_data(cache=False))
        return "", receiver.answer_status

    @app.get("/")
    def page():
        return render_template_string(PAGE, arrivals=list(receiver.arrivals), base=request.host_url,
                                      status=receiver.answer_status, secret_count=len(receiver.secrets))

    @app.get("/api/arrivals")
    def arrivals():
        return jsonify([asdict(a) for a in receiver.arrivals])

    @app.delete("/api/arrivals")
    def clear():
        receiver.arrivals.clear()
        return "", 204

    @app.post("/secrets")
    def add_secret():
        secret = request.form.get("secret") or (request.get_json(silent=True) or {}).get("secret") or ""
        try:
            receiver.add_secret(secret)
        except Exception as exc:  # noqa: BLE001 - a malformed secret is the caller's mistake
            return jsonify(error=f"not a webhook secret: {exc}"), 400
        return redirect("/", code=303) if request.form else ("", 204)

    @app.post("/answer")
    @app.post("/api/answer")
    def set_answer():
        raw = request.form.get("status") or (request.get_json(silent=True) or {}).get("status")
        try:
            status = int(raw)
        except (TypeError, ValueError):
            status = 0
        if not 200 <= status <= 599:
            return jsonify(error="status must be an HTTP status code, 200 to 599"), 400
        receiver.answer_status = status
        return redirect("/", code=303) if request.form else ("", 204)

    @app.get("/livez")
    def livez():
        return jsonify(status="alive")

    return app
