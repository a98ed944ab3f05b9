"""The back office's API key at the edge (ADR 0012): the gateway looks `Bearer pk_…` up in the real
Redis where identity publishes keys, and forwards the key's company and scopes in the signed token,
never the key. Unknown, revoked, misplaced keys and a Redis outage are refused by the gateway itself."""
from __future__ import annotations

import uuid

import pytest

from portal_shared.api_keys import key_digest
from portal_shared.identity_token import HEADER, sign_identity, verify_identity

pytestmark = pytest.mark.integration

BARE = "localhost:8080"
DEMO = "demo.localhost:8080"
CONTACT = "/api/identity/integration/contacts/crm-1"


def put(app, path: str = CONTACT, *, key: str | None = None, host: str = BARE, headers: dict | None = None):
    sent = {"Host": host, **({"Authorization": f"Bearer {key}"} if key else {}), **(headers or {})}
    return app.test_client().put(path, headers=sent, json={"email": "erin@example.com"})


def received_claims(app, response) -> dict:
    return verify_identity(response.get_json()["headers"]["x-portal-identity"], app.config["INTERNAL_TOKEN_SECRET"])


def assert_problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.get_json()["code"] == code and response.get_json()["status"] == status


def test_a_live_key_reaches_the_integration_api_with_its_company_and_scopes_and_without_the_key(
        make_gateway, publish_key, upstreams):
    key, published = publish_key(scopes=("contacts:write", "properties:write"))
    app = make_gateway()
    response = put(app, key=key)
    assert response.status_code == 200
    echo = response.get_json()
    assert (echo["server"], echo["path"]) == ("identity", "/integration/contacts/crm-1")
    assert "authorization" not in echo["headers"]
    assert key not in str(echo)
    claims = received_claims(app, response)
    assert claims["account_kind"] == "api_key"
    assert claims["tenant_id"] == published.tenant_id and claims["api_key_id"] == published.key_id
    assert claims["scopes"] == ["contacts:write", "properties:write"]
    assert not {"branch_id", "account_id", "session_tenant_id"} & set(claims)


def test_the_scheme_name_is_case_insensitive(make_gateway, publish_key):
    key, published = publish_key()
    app = make_gateway()
    response = app.test_client().put(CONTACT, headers={"Host": BARE, "Authorization": f"bearer {key}"}, json={})
    assert received_claims(app, response)["tenant_id"] == published.tenant_id


def test_an_unknown_or_malformed_key_is_refused_by_the_gateway_with_401(make_gateway, publish_key, upstreams):
    key, _ = publish_key()
    app = make_gateway()
    before = len(upstreams["identity"].seen)
    for presented in (key[:-1] + ("A" if key[-1] != "A" else "B"), "pk_", "pk_deadbeef_" + "x" * 300, key + " "):
        response = put(app, key=presented)
        if presented == key + " ":  # surrounding blanks are not part of the key
            assert response.status_code == 200
            continue
        assert_problem(response, 401, "invalid_api_key")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert len(upstreams["identity"].seen) == before + 1


def test_revoking_a_key_refuses_the_very_next_request(make_gateway, publish_key, key_store, upstreams):
    key, _ = publish_key()
    app = make_gateway()
    assert put(app, key=key).status_code == 200
    key_store.withdraw_many([key_digest(key)])  # what identity does in the revoking request
    before = len(upstreams["identity"].seen)
    assert_problem(put(app, key=key), 401, "invalid_api_key")
    assert len(upstreams["identity"].seen) == before


def test_a_key_of_company_a_can_never_act_for_company_b(make_gateway, publish_key, secret):
    tenant_a, tenant_b = str(uuid.uuid4()), str(uuid.uuid4())
    key_a, published_a = publish_key(tenant_a)
    publish_key(tenant_b)
    forged = sign_identity({"kind": "request", "account_kind": "api_key", "tenant_id": tenant_b,
                            "api_key_id": str(uuid.uuid4()), "scopes": ["contacts:write"]}, secret)
    app = make_gateway()
    response = put(app, key=key_a, headers={HEADER: forged, "X-Tenant-ID": tenant_b, "X-Portal-Tenant": tenant_b})
    echo = response.get_json()
    assert received_claims(app, response)["tenant_id"] == tenant_a == published_a.tenant_id
    assert "x-tenant-id" not in echo["headers"] and "x-portal-tenant" not in echo["headers"]
    # ... and a forged token without a key vouches for nobody: the gateway signs its own.
    anonymous = put(app, headers={HEADER: forged})
    assert "tenant_id" not in received_claims(app, anonymous)


def test_a_key_opens_only_integration_paths(make_gateway, publish_key, upstreams):
    key, _ = publish_key()
    app = make_gateway()
    before = {name: len(u.seen) for name, u in upstreams.items()}
    for path in ("/api/portal-config/companies", "/api/identity/staff/api-keys", "/api/billing/summary",
                 "/api/identity/integration"):
        assert_problem(put(app, path, key=key), 403, "api_key_not_accepted_here")
    assert {name: len(u.seen) for name, u in upstreams.items()} == before


def test_a_key_sent_to_a_branch_portal_is_refused_and_goes_no_further(make_gateway, publish_key, upstreams):
    key, _ = publish_key()
    app = make_gateway()
    before = {name: len(u.seen) for name, u in upstreams.items()}
    response = put(app, key=key, host=DEMO)
    assert_problem(response, 400, "api_key_on_branch_host")
    assert "http://localhost:8080/api/" in response.get_json()["detail"]
    assert_problem(put(app, "/account", key="pk_unknown_key", host=DEMO), 400, "api_key_on_branch_host")
    assert {name: len(u.seen) for name, u in upstreams.items()} == before


def test_when_redis_is_down_a_key_is_refused_with_503_never_let_in(make_gateway, publish_key, closed_redis_url,
                                                                    upstreams):
    key, _ = publish_key()
    app = make_gateway(redis_url=closed_redis_url)
    before = len(upstreams["identity"].seen)
    response = put(app, key=key)
    assert_problem(response, 503, "api_keys_unavailable")
    assert response.headers["Retry-After"] == "5"
    assert len(upstreams["identity"].seen) == before


def test_other_bearer_tokens_pass_through_untouched(make_gateway, upstreams):
    app = make_gateway()
    response = app.test_client().get("/api/portal-config/companies",
                                     headers={"Host": BARE, "Authorization": "Bearer dev-operator-token"})
    assert response.status_code == 200
    assert response.get_json()["headers"]["authorization"] == "Bearer dev-operator-token"
    assert "account_kind" not in received_claims(app, response)


def test_a_key_reaches_the_services_whose_scope_it_holds_and_is_refused_by_the_others(make_gateway, publish_key,
                                                                                      guarded_service):
    """Two services behind the real shared guard (`require_integration`), through the real gateway."""
    billing = guarded_service("billing", "invoices:write")
    visits = guarded_service("visits", "visits:write")
    app = make_gateway(billing=[billing.url], visits=[visits.url])
    tenant = str(uuid.uuid4())
    invoices_only, _ = publish_key(tenant, scopes=("invoices:write",))
    both, _ = publish_key(tenant, scopes=("invoices:write", "visits:write"))

    allowed = put(app, "/api/billing/integration/things/inv-1", key=invoices_only)
    assert allowed.status_code == 200, allowed.get_data(as_text=True)
    assert allowed.get_json() == {"service": "billing", "tenant_id": tenant, "thing_id": "inv-1"}
    refused = put(app, "/api/visits/integration/things/v-1", key=invoices_only)
    assert_problem(refused, 403, "missing_scope")
    assert put(app, "/api/visits/integration/things/v-1", key=both).get_json()["tenant_id"] == tenant
    # Without a key, the services themselves answer 401.
    assert_problem(put(app, "/api/billing/integration/things/inv-1"), 401, "unauthenticated")
