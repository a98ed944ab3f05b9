"""Identity publishes every live API key to Redis for the gateway, in the request that creates it,
withdraws it in the request that revokes it, and can rebuild Redis from its table (ADR 0012).

Real PostgreSQL and Redis (the session namespace of this run); "Redis is down" is a local port
nobody listens on.
"""
from __future__ import annotations

import dataclasses
import json
import socket
import time

import pytest

from portal_identity import cli
from portal_identity.app import create_app
from portal_identity.domain.tokens import token_digest
from portal_shared.api_keys import ApiKeyStore
from portal_shared.sessions import SessionStore

pytestmark = pytest.mark.integration


@pytest.fixture
def issue(client, operator):
    def make(tenant_id: str, scopes=("contacts:write",), name: str = "back office") -> dict:
        response = client.post(f"/staff/operator/companies/{tenant_id}/api-keys", headers=operator,
                               json={"name": name, "scopes": list(scopes)})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


def record_of(sessions: SessionStore, key: str) -> dict | None:
    raw = sessions.client.get(f"{sessions.namespace}:api-key:{token_digest(key)}")
    return json.loads(raw) if raw else None


def test_a_new_key_is_in_redis_under_its_digest_with_its_company_and_scopes_when_the_answer_arrives(
        issue, sessions, wiring, world):
    created = issue(world.tenant_a, scopes=["invoices:write", "contacts:write", "visits:write"])
    assert record_of(sessions, created["key"]) == {
        "tenant_id": world.tenant_a, "key_id": created["id"],
        "scopes": ["contacts:write", "invoices:write", "visits:write"]}
    published = wiring.api_keys.lookup(created["key"])
    assert published.claims() == {"account_kind": "api_key", "tenant_id": world.tenant_a,
                                  "api_key_id": created["id"],
                                  "scopes": ["contacts:write", "invoices:write", "visits:write"]}
    # Nothing in Redis gives the key away: only its digest is a name, and no value holds it.
    for name in sessions.client.scan_iter(match=f"{sessions.namespace}:*"):
        assert created["key"].encode() not in name and created["key"].encode() not in (sessions.client.get(name) or b"")


def test_a_staff_created_key_is_published_for_the_staff_member_s_company(client, staff_session, sessions, world):
    response = client.post("/staff/api-keys", headers=staff_session("a1", "admin"),
                           json={"name": "ERP", "scopes": ["proposals:write"]})
    assert response.status_code == 201, response.get_json()
    assert record_of(sessions, response.get_json()["key"])["tenant_id"] == world.tenant_a


def test_every_integration_scope_can_be_granted_and_nothing_else(client, operator, world):
    from portal_shared.web.auth import INTEGRATION_SCOPES

    every = client.post(f"/staff/operator/companies/{world.tenant_a}/api-keys", headers=operator,
                        json={"name": "all", "scopes": list(INTEGRATION_SCOPES)})
    assert every.status_code == 201 and every.get_json()["scopes"] == sorted(INTEGRATION_SCOPES)
    unknown = client.post(f"/staff/operator/companies/{world.tenant_a}/api-keys", headers=operator,
                          json={"name": "bad", "scopes": ["payments:steal"]})
    assert unknown.status_code == 422 and "scopes" in unknown.get_json()["errors"]


def test_revoking_withdraws_the_key_from_redis_before_the_answer(client, issue, staff_session, sessions, wiring,
                                                               world):
    created = issue(world.tenant_a)
    kept = issue(world.tenant_a, name="the other one")
    assert wiring.api_keys.lookup(created["key"]) is not None
    response = client.delete(f"/staff/api-keys/{created['id']}", headers=staff_session("a1", "admin"))
    assert response.status_code == 204
    assert record_of(sessions, created["key"]) is None
    assert wiring.api_keys.lookup(created["key"]) is None
    assert wiring.api_keys.lookup(kept["key"]) is not None


def test_a_staff_member_cannot_revoke_another_company_s_key(client, issue, staff_session, wiring, world):
    created = issue(world.tenant_a)
    response = client.delete(f"/staff/api-keys/{created['id']}", headers=staff_session("b1", "admin_b"))
    assert response.status_code == 404
    assert wiring.api_keys.lookup(created["key"]) is not None


def test_the_list_shows_when_the_gateway_last_let_each_key_in(client, issue, staff_session, wiring, world):
    used, unused = issue(world.tenant_a), issue(world.tenant_a, name="spare")
    wiring.api_keys.lookup(used["key"])  # what the gateway does on each request
    listed = {k["id"]: k for k in client.get("/staff/api-keys", headers=staff_session("a1", "admin")).get_json()}
    assert listed[used["id"]]["last_used_at"] is not None
    assert listed[unused["id"]]["last_used_at"] is None


@pytest.fixture
def closed_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_without_redis_no_key_is_created_and_none_is_revoked(wiring, closed_redis_url, issue, operator, rows,
                                                             staff_session, world):
    created = issue(world.tenant_a)
    unreachable = ApiKeyStore(SessionStore(closed_redis_url, namespace=wiring.sessions.namespace))
    client = create_app(dataclasses.replace(wiring, api_keys=unreachable)).test_client()
    response = client.post(f"/staff/operator/companies/{world.tenant_a}/api-keys", headers=operator,
                           json={"name": "x", "scopes": ["contacts:write"]})
    assert response.status_code == 503 and response.get_json()["code"] == "api_keys_unavailable"
    assert response.content_type == "application/problem+json"
    assert [r["name"] for r in rows("SELECT name FROM api_keys")] == ["back office"]
    # Revoking needs Redis too: a key the database calls revoked must never still open the edge.
    revoked = client.delete(f"/staff/api-keys/{created['id']}", headers=staff_session("a1", "admin"))
    assert revoked.status_code == 503
    assert rows("SELECT revoked_at FROM api_keys WHERE id = :id", id=created["id"]) == [{"revoked_at": None}]


def test_sync_api_keys_republishes_live_keys_after_a_flush_and_keeps_revoked_ones_out(
        client, issue, staff_session, sessions, wiring, world, database_url, monkeypatch):
    live, revoked = issue(world.tenant_a), issue(world.tenant_b, name="old")
    assert client.delete(f"/staff/api-keys/{revoked['id']}", headers=staff_session("a1", "admin")).status_code == 404
    assert client.delete(f"/staff/api-keys/{revoked['id']}",
                         headers=staff_session("b1", "admin_b")).status_code == 204
    # Redis loses everything; a stale record of the revoked key is left behind as well.
    for name in list(sessions.client.scan_iter(match=f"{sessions.namespace}:api-key*")):
        sessions.client.delete(name)
    sessions.client.set(f"{sessions.namespace}:api-key:{token_digest(revoked['key'])}",
                        json.dumps({"tenant_id": world.tenant_b, "key_id": revoked["id"], "scopes": []}))
    assert wiring.api_keys.lookup(live["key"]) is None

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", wiring.settings.redis_url)
    monkeypatch.setenv("SESSION_NAMESPACE", sessions.namespace)
    monkeypatch.setenv("PORTAL_DEV", "true")
    assert cli.main(["sync-api-keys"]) == 0

    assert record_of(sessions, live["key"]) == {"tenant_id": world.tenant_a, "key_id": live["id"],
                                                "scopes": ["contacts:write"]}
    assert record_of(sessions, revoked["key"]) is None


def test_the_workers_sync_loop_puts_a_lost_key_back_without_anyone_running_the_command(issue, sessions, wiring,
                                                                                       world):
    import threading

    live = issue(world.tenant_a)
    sessions.client.delete(f"{sessions.namespace}:api-key:{token_digest(live['key'])}")  # evicted or flushed
    assert wiring.api_keys.lookup(live["key"]) is None
    stop = threading.Event()
    loop = threading.Thread(target=cli.api_key_sync_loop(wiring, every=0.05), args=(stop,), daemon=True)
    loop.start()
    try:
        deadline = time.monotonic() + 5
        while wiring.api_keys.lookup(live["key"]) is None and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        loop.join(timeout=5)
    assert record_of(sessions, live["key"])["key_id"] == live["id"]
    assert not loop.is_alive()
