"""The hosted tokenizer page in a real browser (Debian's Chromium, driven by Playwright): a portal page
on another origin frames it, a test card is typed inside the frame, and the parent receives only the
token, by postMessage. Marked e2e because it needs the browser (`make browser`).
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from portal_payment_sandbox.app import create_app
from portal_payment_sandbox.processor import Sandbox

pytestmark = pytest.mark.e2e

YEAR = str(datetime.now(UTC).year + 2)
PARENT = """<!doctype html><html><body><h1>Pay</h1>
<iframe id="tokenizer" src="{src}" width="400" height="300" title="Card details"></iframe>
<script>window.received = [];
window.addEventListener("message", function (e) {{
  if (e.origin === "{sandbox}") {{ window.received.push(JSON.parse(e.data)); }}
}});</script></body></html>"""


def serve(app) -> tuple[str, object]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return str(server.server_port), server


@pytest.fixture
def origins() -> Iterator[tuple[str, str, Sandbox]]:
    sandbox = Sandbox()
    sandbox_port, sandbox_server = serve(create_app(sandbox))
    sandbox_origin = f"http://127.0.0.1:{sandbox_port}"
    parent = Flask("parent")
    holder: dict[str, str] = {}
    parent.add_url_rule("/", "pay", lambda: PARENT.format(src=holder["src"], sandbox=sandbox_origin))
    parent_port, parent_server = serve(parent)
    parent_origin = f"http://localhost:{parent_port}"  # another host: another origin
    holder["src"] = f"{sandbox_origin}/itoke/ajax-tokenizer.html?origin={parent_origin}"
    yield parent_origin, sandbox_origin, sandbox
    sandbox_server.shutdown()
    parent_server.shutdown()


@pytest.fixture
def page():
    path = next((p for p in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium") if p and Path(p).exists()), None)
    if path is None:
        pytest.fail("Chromium is not installed: run `make browser` (Debian package `chromium`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.errors = errors
        yield page
        browser.close()


def fill_card(frame, number: str, month: str = "12", year: str = YEAR, cvv: str = "123") -> None:
    frame.locator("#ccnumfield").fill(number)
    frame.locator("#ccexpiryfieldmonth").fill(month)
    frame.locator("#ccexpiryfieldyear").fill(year)
    frame.locator("#cccvvfield").fill(cvv)
    frame.locator("#tokenize").click()


def test_a_test_card_typed_in_the_frame_reaches_the_parent_only_as_a_token(origins, page):
    parent_origin, _sandbox_origin, sandbox = origins
    page.goto(parent_origin + "/")
    fill_card(page.frame_locator("#tokenizer"), "4111 1111 1111 1111")
    page.wait_for_function("window.received.length > 0", timeout=10_000)
    [message] = page.evaluate("window.received")
    assert message["expiry"] == "12" + YEAR[2:] and "validationError" not in message
    token = message["message"]
    assert len(token) == 16 and token.startswith("941") and token.endswith("1111")
    assert sandbox.detokenize(token) == "4111111111111111"
    assert "4111111111111111" not in json.dumps(message)
    assert not [e for e in page.errors if "Content Security Policy" in e]


def test_a_mistyped_card_is_reported_to_the_parent_without_a_token(origins, page):
    parent_origin, _sandbox_origin, _sandbox = origins
    page.goto(parent_origin + "/")
    frame = page.frame_locator("#tokenizer")
    fill_card(frame, "4111111111111112")
    page.wait_for_function("window.received.length > 0", timeout=10_000)
    [message] = page.evaluate("window.received")
    assert message["message"] == "" and message["validationError"] == "Invalid card number"
    assert frame.locator("#error").inner_text() == "Invalid card number"
