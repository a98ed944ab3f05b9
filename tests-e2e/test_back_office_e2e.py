"""The back office's round trip through the whole system: API keys issued by identity open the
integration endpoints of each service that holds their scope (identity, notifications) and are
refused by the others; a webhook endpoint registered with one key hears, signed as Standard Webhooks
says, what the other key changed — in order, after its own outage, and again on replay.

Real: every process of the stack, the gateway's key check in Redis, the dev webhook receiver.
"""
from __future__ import annotations

import json
import time

import pytest
import requests
from standardwebhooks import Webhook

pytestmark = pytest.mark.e2e

HOOKS = "/api/notifications/integration/webhooks"


def platform(system, method: str, path: str, *, key: str, **kwargs) -> requests.Response:
    headers = {"Host": system.host(), "Authorization": f"Bearer {key}"}
    return requests.request(method, system.gateway + path, headers=headers, timeout=10, **kwargs)


def issue_key(system, scopes: list[str]) -> str:
    companies = system.admin("GET", "/companies").json()
    items = companies["items"] if isinstance(companies, dict) and "items" in companies else companies
    tenant = next(c["id"] for c in items if c["name"] == "Demo Landscaping")
    issued = platform(system, "POST", f"/api/identity/staff/operator/companies/{tenant}/api-keys",
                      key=system.stack.operator_token, json={"name": f"e2e {' '.join(scopes)}", "scopes": scopes})
    assert issued.status_code == 201, issued.text
    return issued.json()["key"]


def receiver(system, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, system.stack.webhook_receiver + path, timeout=5, **kwargs)


def wait_for_arrivals(system, path: str, contact_id: str, count: int, timeout: float = 40) -> list[dict]:
    """The deliveries about one contact that reached `path` (the company's other changes reach it too,
    from the other tests), oldest first, once there are `count`."""
    deadline = time.monotonic() + timeout
    arrived: list[dict] = []
    while time.monotonic() < deadline:
        arrived = [a for a in receiver(system, "GET", "/api/arrivals").json()
                   if a["path"] == path and json.loads(a["body"])["data"].get("contact_id") == contact_id]
        if len(arrived) >= count:
            return sorted(arrived, key=lambda a: a["received_at"])
        time.sleep(0.3)
    raise AssertionError(f"{len(arrived)} of {count} deliveries reached {path} within {timeout} s")


def test_each_key_opens_only_the_services_its_scopes_name(system):
    directory_key = issue_key(system, ["contacts:write"])
    hooks_key = issue_key(system, ["webhooks:manage"])
    contact = {"email": "scoped.key@example.com", "first_name": "Scope", "last_name": "Check"}

    assert platform(system, "PUT", "/api/identity/integration/contacts/crm-scope", key=directory_key,
                    json=contact).status_code == 200
    assert platform(system, "GET", f"{HOOKS}/endpoints", key=hooks_key).status_code == 200

    for method, path, key, body in (("GET", f"{HOOKS}/endpoints", directory_key, None),
                                    ("PUT", "/api/identity/integration/contacts/crm-scope", hooks_key, contact)):
        refused = platform(system, method, path, key=key, json=body)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        assert refused.json()["code"] == "missing_scope"


def test_a_webhook_hears_every_change_signed_in_order_after_an_outage_and_again_on_replay(system):
    directory_key = issue_key(system, ["contacts:write"])
    hooks_key = issue_key(system, ["webhooks:manage"])
    path = "/hooks/e2e-back-office"
    created = platform(system, "POST", f"{HOOKS}/endpoints", key=hooks_key, json={
        "url": system.stack.webhook_receiver + path, "event_types": ["contact_upserted"]})
    assert created.status_code == 201, created.text
    endpoint, secret = created.json()["id"], created.json()["secret"]
    assert "secret" not in platform(system, "GET", f"{HOOKS}/endpoints/{endpoint}", key=hooks_key).json()

    def upsert(first_name: str) -> str:
        response = platform(system, "PUT", "/api/identity/integration/contacts/crm-hooked", key=directory_key,
                            json={"email": "hooked@example.com", "first_name": first_name, "last_name": "Hook"})
        assert response.status_code == 200, response.text
        return response.json()["contact_id"]

    # The receiver is down (503) while the contact changes three times...
    receiver(system, "POST", "/api/answer", json={"status": 503})
    try:
        contact_id = [upsert(name) for name in ("Ann", "Bea", "Cy")][0]
        wait_for_arrivals(system, path, contact_id, 1)  # the first attempt came, and was refused
    finally:
        receiver(system, "POST", "/api/answer", json={"status": 200})

    # ...and once it answers again every change arrives, each verifiable with the secret, in order.
    arrivals = wait_for_arrivals(system, path, contact_id, 4)
    accepted, seen = [], set()
    for arrival in arrivals:
        payload = Webhook(secret).verify(arrival["body"], arrival["headers"])
        if arrival["headers"]["webhook-id"] not in seen:
            seen.add(arrival["headers"]["webhook-id"])
            accepted.append(payload)
    names = [p["data"]["first_name"] for p in accepted]
    assert names == ["Ann", "Bea", "Cy"]
    revisions = [p["data"]["revision"] for p in accepted]
    assert revisions == sorted(revisions)
    with pytest.raises(Exception):
        Webhook("whsec_" + "A" * 32).verify(arrivals[-1]["body"], arrivals[-1]["headers"])

    log = platform(system, "GET", f"{HOOKS}/endpoints/{endpoint}/deliveries", key=hooks_key)
    assert log.status_code == 200
    deliveries = log.json()
    items = deliveries["items"] if isinstance(deliveries, dict) else deliveries
    first = next(d for d in items if d["event_id"] == accepted[0]["id"])
    assert first["status"] == "delivered" and first["attempts"] >= 2

    # A replay sends the same event again, with the same webhook-id.
    replayed = platform(system, "POST", f"{HOOKS}/deliveries/{first['id']}/replay", key=hooks_key)
    assert replayed.status_code in (200, 202), replayed.text
    again = wait_for_arrivals(system, path, contact_id, len(arrivals) + 1)[-1]
    assert again["headers"]["webhook-id"] == accepted[0]["id"]
    assert json.loads(again["body"])["data"]["first_name"] == "Ann"
