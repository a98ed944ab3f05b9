"""The app factory: builds without connecting, guards the log with the operator token."""
from __future__ import annotations

import pytest

from portal_notifications import SERVICE
from portal_notifications.adapters.smtp import FakeMailer
from portal_notifications.app import create_app
from portal_notifications.bootstrap import bootstrap
from portal_shared.config import ServiceSettings


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("PORTAL_OPERATOR_TOKEN", "operator-secret")
    # Nothing listens on port 9: any attempt to connect would fail the requests below.
    settings = ServiceSettings(service=SERVICE, database_url="postgresql+psycopg://127.0.0.1:9/none")
    return create_app(bootstrap(settings, mailer=FakeMailer())).test_client()


def test_the_factory_builds_the_app_without_connecting_anywhere(client):
    assert client.get("/healthz").get_json() == {"service": "notifications", "status": "alive"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "operator-secret"}])
def test_the_outbound_log_requires_the_operator_token(client, headers):
    for path in ("/messages", "/messages/5f0c1a8e-6a1b-4c3e-9d2f-0a1b2c3d4e5f"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["code"] == "unauthenticated"


def test_the_openapi_document_describes_the_outbound_log(client):
    spec = client.get("/openapi.json").get_json()
    assert {"/messages", "/messages/{message_id}"} <= set(spec["paths"])
    assert "html_body" not in spec["components"]["schemas"]["OutboundMessageRead"]["properties"]
    assert "html_body" in spec["components"]["schemas"]["OutboundMessageDetail"]["properties"]
