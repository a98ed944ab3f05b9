"""The dev webhook receiver records arrivals and says whether each signature verifies."""
from __future__ import annotations

import base64
import os
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from portal_webhook_receiver.app import Receiver, create_app


def new_secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def signed(secret: str, body: str, message_id: str = "evt-1") -> dict[str, str]:
    now = datetime.now(UTC)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, now, body), "Content-Type": "application/json"}


@pytest.fixture
def secret():
    return new_secret()


@pytest.fixture
def client(secret):
    return create_app(Receiver([secret])).test_client()


def test_a_webhook_signed_with_a_known_secret_is_shown_as_verified(client, secret):
    body = '{"type":"contact_upserted"}'
    assert client.post("/hooks/erp", data=body, headers=signed(secret, body)).status_code == 204
    [arrival] = client.get("/api/arrivals").get_json()
    assert arrival["verified"] is True and arrival["path"] == "/hooks/erp"
    assert arrival["headers"]["webhook-id"] == "evt-1" and arrival["body"] == body


def test_a_wrong_signature_or_a_changed_body_is_shown_as_not_verified(client, secret):
    client.post("/hooks/erp", data='{"a":1}', headers=signed(new_secret(), '{"a":1}'))
    client.post("/hooks/erp", data='{"a":2}', headers=signed(secret, '{"a":1}'))
    assert [a["verified"] for a in client.get("/api/arrivals").get_json()] == [False, False]
    assert "NOT verified" in client.get("/").get_data(as_text=True)


def test_a_secret_added_through_the_form_is_used_for_what_arrives_next():
    client = create_app(Receiver()).test_client()
    secret = new_secret()
    client.post("/hooks/x", data="{}", headers=signed(secret, "{}"))
    assert client.post("/secrets", data={"secret": secret}).status_code == 303
    client.post("/hooks/x", data="{}", headers=signed(secret, "{}"))
    assert [a["verified"] for a in client.get("/api/arrivals").get_json()] == [True, None]
    assert client.post("/secrets", data={"secret": "not-base64!"}).status_code == 400


def test_the_receiver_can_be_told_to_fail_and_the_page_escapes_what_arrived(client, secret):
    assert client.post("/api/answer", json={"status": 503}).status_code == 204
    assert client.post("/hooks/x", data="<script>alert(1)</script>").status_code == 503
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert client.post("/api/answer", json={"status": "abc"}).status_code == 400
