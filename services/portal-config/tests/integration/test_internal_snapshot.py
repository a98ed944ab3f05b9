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


# -- /internal/settings: portal-web's settings snapshot ------------------------------------------

def test_the_settings_snapshot_needs_a_service_token(client, operator, identity_header):
    assert client.get("/internal/settings").status_code == 401
    assert client.get("/internal/settings", headers=operator).status_code == 401
    customer = identity_header({"kind": "request", "tenant_id": "t", "branch_id": "b"})
    assert client.get("/internal/settings", headers=customer).status_code == 403


def test_the_settings_snapshot_lists_every_branchs_current_settings_as_the_event_carries_them(
        client, operator, identity_header, company, branch, rows):
    north = branch(company(name="Acme")["id"], slug="north")
    south = branch(company(name="Other")["id"], slug="south")
    client.put(f"/branches/{south['branch_id']}/settings", headers=operator, json={"nav_title": "South!"})

    response = client.get("/internal/settings", headers=identity_header({"kind": "service", "service": "portal-web"}))
    assert response.status_code == 200
    snapshot = response.get_json()
    assert [(s["branch_id"], s["version"]) for s in snapshot] == [(north["branch_id"], 1), (south["branch_id"], 2)]
    assert snapshot[1]["settings"]["nav_title"] == "South!"
    latest = [r["payload"]["data"] for r in rows("outbox") if r["event_type"] == "portal_settings_updated"
              and r["payload"]["data"]["branch_id"] == south["branch_id"]][-1]
    assert snapshot[1]["settings"] == latest["settings"]
