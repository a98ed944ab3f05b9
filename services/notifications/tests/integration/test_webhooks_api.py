"""The webhooks integration API against the real database: endpoints, the secret shown once,
scopes, tenant isolation, validation, and the URL rules outside dev mode."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from portal_notifications.adapters.orm import WebhookEndpoint
from portal_notifications.app import create_app
from portal_notifications.service_layer.webhook_fanout import fan_out

BASE = "/integration/webhooks"


@pytest.fixture
def tenant():
    return str(uuid.uuid4())


@pytest.fixture
def client(wire):
    return create_app(wire()).test_client()


def register(client, headers, url="https://erp.example.com/hooks", types=("contact_upserted",), **extra):
    return client.post(f"{BASE}/endpoints", json={"url": url, "event_types": list(types), **extra}, headers=headers)


def test_an_endpoint_is_registered_and_its_secret_is_shown_only_once(client, api_key, tenant, db):
    created = register(client, api_key(tenant), description="ERP")
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["enabled"] is True
    assert body["event_types"] == ["contact_upserted"] and body["description"] == "ERP"

    shown = client.get(f"{BASE}/endpoints/{body['id']}", headers=api_key(tenant)).get_json()
    listed = client.get(f"{BASE}/endpoints", headers=api_key(tenant)).get_json()
    assert "secret" not in shown and [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    with db.unit_of_work() as session:
        stored = session.scalar(sa.select(WebhookEndpoint.secret_encrypted))
    assert body["secret"] not in stored and body["secret"][6:] not in stored  # sealed at rest


def test_the_endpoint_list_is_paginated(client, api_key, tenant):
    for n in range(3):
        register(client, api_key(tenant), url=f"https://erp.example.com/hooks/{n}")
    response = client.get(f"{BASE}/endpoints?page=2&page_size=2", headers=api_key(tenant))
    assert [e["url"] for e in response.get_json()] == ["https://erp.example.com/hooks/2"]
    assert '"total": 3' in response.headers["X-Pagination"]


def test_an_endpoint_is_changed_and_deleted(client, api_key, tenant):
    endpoint_id = register(client, api_key(tenant)).get_json()["id"]
    changed = client.patch(f"{BASE}/endpoints/{endpoint_id}", headers=api_key(tenant),
                           json={"event_types": ["property_upserted", "property_access_changed"], "enabled": False})
    assert changed.status_code == 200
    assert changed.get_json()["event_types"] == ["property_access_changed", "property_upserted"]
    assert changed.get_json()["status"] == "disabled"
    assert client.delete(f"{BASE}/endpoints/{endpoint_id}", headers=api_key(tenant)).status_code == 204
    assert client.get(f"{BASE}/endpoints/{endpoint_id}", headers=api_key(tenant)).status_code == 404


def test_the_event_types_are_the_shared_allow_list_without_secret_carrying_events(client, api_key, tenant):
    types = {t["type"] for t in client.get(f"{BASE}/event-types", headers=api_key(tenant)).get_json()}
    assert "contact_upserted" in types
    assert not types & {"invitation_created", "password_reset_requested"}


@pytest.mark.parametrize("types, field", [
    (["invitation_created"], "event_types"),        # carries a secret link: never subscribable
    (["no_such_event"], "event_types"),
    ([], "event_types"),
])
def test_only_allowed_event_types_can_be_subscribed(client, api_key, tenant, types, field):
    response = register(client, api_key(tenant), types=types)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


@pytest.mark.parametrize("url", ["x" * 2001, "not a url", "ftp://erp.example.com/", "https://user:pw@erp.example.com/",
                                 "https:///nohost", "http://exa mple.com/"])
def test_a_bad_url_is_a_problem_naming_the_url(client, api_key, tenant, url):
    response = register(client, api_key(tenant), url=url)
    assert response.status_code == 422, response.get_json()
    assert "url" in response.get_json()["errors"]


def test_a_description_longer_than_its_column_is_refused_not_a_500(client, api_key, tenant):
    response = register(client, api_key(tenant), description="d" * 201)
    assert response.status_code == 422 and "description" in response.get_json()["errors"]


def test_without_an_api_key_the_api_answers_401(client, tenant):
    for method, path in (("get", "/endpoints"), ("post", "/endpoints"), ("get", f"/endpoints/{uuid.uuid4()}"),
                         ("post", f"/deliveries/{uuid.uuid4()}/replay")):
        response = getattr(client, method)(BASE + path, json={})
        assert response.status_code == 401, path
        assert response.mimetype == "application/problem+json"


def test_a_key_without_the_webhooks_scope_gets_403(client, api_key, tenant):
    response = register(client, api_key(tenant, "contacts:write"))
    assert response.status_code == 403
    assert response.get_json()["code"] == "missing_scope"


def test_a_company_never_sees_or_touches_another_companys_endpoints(client, api_key, tenant, wire, events):
    other = str(uuid.uuid4())
    endpoint_id = register(client, api_key(tenant)).get_json()["id"]
    wiring = wire()
    with wiring.db.unit_of_work() as session:
        fan_out(session, events.contact_upserted(tenant))
    delivery_id = client.get(f"{BASE}/endpoints/{endpoint_id}/deliveries", headers=api_key(tenant)).get_json()[0]["id"]

    theirs = api_key(other)
    assert client.get(f"{BASE}/endpoints", headers=theirs).get_json() == []
    for method, path, body in (
        ("get", f"/endpoints/{endpoint_id}", None),
        ("patch", f"/endpoints/{endpoint_id}", {"enabled": False}),
        ("delete", f"/endpoints/{endpoint_id}", None),
        ("get", f"/endpoints/{endpoint_id}/deliveries", None),
        ("post", f"/endpoints/{endpoint_id}/replay", {"since": "2020-01-01T00:00:00Z"}),
        ("get", f"/deliveries/{delivery_id}", None),
        ("post", f"/deliveries/{delivery_id}/replay", None),
    ):
        response = getattr(client, method)(BASE + path, json=body, headers=theirs)
        assert response.status_code == 404, (method, path, response.get_json())
    assert client.get(f"{BASE}/endpoints/{endpoint_id}", headers=api_key(tenant)).get_json()["enabled"] is True


def test_replay_since_needs_a_time_with_a_zone(client, api_key, tenant):
    endpoint_id = register(client, api_key(tenant)).get_json()["id"]
    response = client.post(f"{BASE}/endpoints/{endpoint_id}/replay", json={"since": "2025-01-01T00:00:00"},
                           headers=api_key(tenant))
    assert response.status_code == 422 and "since" in response.get_json()["errors"]


# -- outside dev mode ------------------------------------------------------------------------

DNS = {"erp.example.com": ["93.184.216.34"], "intranet.example.com": ["10.0.0.5"],
       "sneaky.example.com": ["127.0.0.1"], "mixed.example.com": ["93.184.216.34", "192.168.1.10"],
       "metadata.example.com": ["169.254.169.254"], "v6local.example.com": ["::1"]}


def fake_dns(host: str, port: int) -> list[str]:
    """An attacker-controlled DNS in miniature: names that resolve to whatever the table says."""
    if host not in DNS:
        raise OSError("Name or service not known")
    return DNS[host]


@pytest.fixture
def production_client(wire):
    return create_app(wire(dev_mode=False, resolve=fake_dns)).test_client()


@pytest.mark.parametrize("url", [
    "http://erp.example.com/hooks",              # not https
    "https://127.0.0.1/hooks",                   # loopback literal
    "https://[::1]/hooks",
    "https://localhost/hooks",
    "https://10.1.2.3/hooks",                    # private
    "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
    "https://[::ffff:127.0.0.1]/hooks",          # loopback in IPv6 clothing
    "https://sneaky.example.com/hooks",          # a name that resolves to 127.0.0.1
    "https://intranet.example.com/hooks",
    "https://mixed.example.com/hooks",           # one private address among public ones is enough
    "https://metadata.example.com/hooks",
    "https://v6local.example.com/hooks",
    "https://nowhere.example.com/hooks",         # does not resolve
])
def test_outside_dev_mode_only_https_to_public_addresses_is_accepted(production_client, api_key, tenant, url):
    response = register(production_client, api_key(tenant), url=url)
    assert response.status_code == 422, (url, response.get_json())
    assert response.get_json()["code"] == "unsafe_url" or "url" in response.get_json()["errors"]


def test_outside_dev_mode_a_public_https_url_is_accepted(production_client, api_key, tenant):
    assert register(production_client, api_key(tenant), url="https://erp.example.com/hooks").status_code == 201


def test_outside_dev_mode_a_url_cannot_be_changed_to_a_private_one(production_client, api_key, tenant):
    endpoint_id = register(production_client, api_key(tenant)).get_json()["id"]
    response = production_client.patch(f"{BASE}/endpoints/{endpoint_id}", json={"url": "https://10.0.0.1/"},
                                       headers=api_key(tenant))
    assert response.status_code == 422 and "url" in response.get_json()["errors"]


def test_the_openapi_document_describes_the_webhooks_api_and_its_problems(client):
    spec = client.get("/openapi.json").get_json()
    paths = {p for p in spec["paths"] if p.startswith(BASE)}
    assert {f"{BASE}/endpoints", f"{BASE}/endpoints/{{endpoint_id}}", f"{BASE}/endpoints/{{endpoint_id}}/deliveries",
            f"{BASE}/deliveries/{{delivery_id}}/replay", f"{BASE}/endpoints/{{endpoint_id}}/replay"} <= paths
    create = spec["paths"][f"{BASE}/endpoints"]["post"]
    assert "application/problem+json" in create["responses"]["422"]["content"]
    assert "secret" in spec["components"]["schemas"]["WebhookEndpointCreated"]["properties"]
    assert "secret" not in spec["components"]["schemas"]["WebhookEndpointRead"]["properties"]
