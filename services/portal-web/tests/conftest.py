"""Tests of portal-web: what is real and what is faked.

unit/ uses the real app from `portal_web.app.create_app`, driven through Flask's test client:
real Jinja templates, real static files and their fingerprints, and real identity tokens signed
with `portal_shared.identity_token.sign_identity` — the gateway's part is played by the tests,
which sign with the app's secret (or, for forgeries, with another one). portal-web has no
database and no broker, so nothing else exists to fake: nothing connects anywhere.
"""
from __future__ import annotations

import uuid

import pytest

from portal_shared.config import ServiceSettings
from portal_shared.identity_token import HEADER, sign_identity
from portal_web import SERVICE
from portal_web.app import create_app

SECRET = "portal-web-test-internal-secret-0123456789"


@pytest.fixture
def app():
    # Nothing listens on port 9: were the app to touch a database, the requests would fail.
    return create_app(ServiceSettings(service=SERVICE, database_url="postgresql+psycopg://127.0.0.1:9/none",
                                      internal_token_secret=SECRET))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def portal_identity():
    """The X-Portal-Identity header the gateway sends for a branch portal; override any claim."""

    def make(secret: str = SECRET, **claims) -> dict[str, str]:
        values = {"kind": "request", "tenant_id": str(uuid.uuid4()), "branch_id": str(uuid.uuid4()),
                  "branch_slug": "north", "branch_name": "North Branch",
                  "company_name": "Green Acres Landscaping", **claims}
        return {HEADER: sign_identity(values, secret)}

    return make
