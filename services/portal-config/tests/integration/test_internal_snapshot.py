"""/internal/branches: the gateway's routing snapshot, for platform services only."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_the_snapshot_without_an_identity_token_answers_401(client):
    response = client.get("/internal/branches")
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthenticated"


def test_the_operator_token_alone_does_not_open_the_snapshot(client, operator):
    assert client.get("/internal/branches", headers=operator).status_code == 401


def test_a_customer_requests_identity_token_is_forbidden(client, identity_header):
    headers = identity_header({"kind": "request", "tenant_id": "t", "branch_id": "b"})
    response = client.get("/internal/branches", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_a_service_token_signed_with_another_secret_counts_as_no_token(client, identity_header):
    headers = identity_header({"kind": "service", "service": "gateway"},
                              secret="not-the-apps-secret-0123456789abcdefghij")
    assert client.get("/internal/branches", headers=headers).status_code == 401


def test_a_service_token_lists_every_branch_of_every_company(client, identity_header, company, branch):
    north = branch(company(name="Acme")["id"], slug="north")
    south = branch(company(name="Other")["id"], slug="south")
    response = client.get("/internal/branches", headers=identity_header({"kind": "service", "service": "gateway"}))
    assert response.status_code == 200
    assert response.get_json() == [north, south]
