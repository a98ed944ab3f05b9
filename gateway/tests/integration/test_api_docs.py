"""One OpenAPI document for the whole integration API at /api/openapi.json, and a reference page at
/api/docs whose every asset the gateway serves itself. The services are real HTTP servers: two on
the real shared app base with `require_integration` endpoints, the rest echo servers (whose
/openapi.json has no paths) and one that is down."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.integration

BARE = "localhost:8080"


@pytest.fixture
def documented(make_gateway, guarded_service, down_url):
    billing = guarded_service("billing", "invoices:write")
    visits = guarded_service("visits", "visits:write")
    return make_gateway(billing=[billing.url], visits=[visits.url], notifications=[down_url])


def get(app, path: str, host: str = BARE):
    return app.test_client().get(path, headers={"Host": host})


def test_the_document_merges_every_service_s_integration_operations_under_their_gateway_paths(documented):
    response = get(documented, "/api/openapi.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/api/billing/integration/things/{thing_id}", "/api/billing/integration/ping",
                                 "/api/visits/integration/things/{thing_id}", "/api/visits/integration/ping"}
    put_invoice = doc["paths"]["/api/billing/integration/things/{thing_id}"]["put"]
    assert put_invoice["tags"] == ["billing"]
    assert put_invoice["x-required-scope"] == "invoices:write"
    assert put_invoice["description"].startswith("Requires the `invoices:write` scope.")
    assert put_invoice["security"] == [{"apiKey": []}]
    assert doc["paths"]["/api/visits/integration/things/{thing_id}"]["put"]["x-required-scope"] == "visits:write"
    assert doc["components"]["securitySchemes"]["apiKey"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "pk_<prefix>_<secret>",
        "description": "The company's API key. Its scopes decide which operations it may call."}
    assert [t["name"] for t in doc["tags"]] == ["billing", "visits"]
    for scope in ("contacts:write", "invoices:write", "proposals:write", "requests:write", "visits:write",
                  "webhooks:manage"):
        assert f"`{scope}`" in doc["info"]["description"]


def test_every_reference_in_the_document_resolves(documented):
    doc = get(documented, "/api/openapi.json").get_json()
    refs = re.findall(r'"\$ref": *"#/components/([^/"]+)/([^"]+)"', get(documented, "/api/openapi.json").get_data(
        as_text=True))
    assert refs, "the services' error responses are shared components"
    for section, name in refs:
        assert name in doc["components"][section], (section, name)
        assert name.split(".")[0] in ("billing", "visits")  # each service's components keep apart


def test_a_service_that_is_down_is_left_out_with_a_note_not_an_error(documented):
    doc = get(documented, "/api/openapi.json").get_json()
    assert doc["x-unavailable-services"] == ["notifications"]
    assert "notifications did not answer" in doc["info"]["description"]


def test_the_document_is_fetched_once_and_then_served_from_memory(documented, upstreams):
    asked = lambda: sum(1 for r in upstreams["identity"].seen if r["path"] == "/openapi.json")  # noqa: E731
    before = asked()
    get(documented, "/api/openapi.json")
    get(documented, "/api/openapi.json")
    assert asked() == before + 1


def forwarded(upstreams) -> list[str]:
    """What the echo upstreams received other than the gateway's own fetches of their documents."""
    return [r["path"] for u in upstreams.values() for r in u.seen if r["path"] != "/openapi.json"]


def test_the_reference_page_names_no_outside_address_and_its_assets_come_from_the_gateway(documented, upstreams):
    before = forwarded(upstreams)
    page = get(documented, "/api/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("<!--", "")
    assert 'data-spec-url="/api/openapi.json"' in html
    assert "<script>" not in html  # no inline script: a strict Content-Security-Policy can apply
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(a.rsplit("/", 1)[1] for a in assets if not a.endswith(".json")) == [
        "api-docs.css", "api-docs.js", "swagger-ui-bundle.js", "swagger-ui.css"]
    for asset in assets:
        response = get(documented, asset)
        assert response.status_code == 200, asset
        assert len(response.get_data()) > 50, asset
    assert get(documented, "/api/docs/assets/swagger-ui-bundle.js").mimetype in ("text/javascript",
                                                                                  "application/javascript")
    assert "validatorUrl: null" in get(documented, "/api/docs/assets/api-docs.js").get_data(as_text=True)
    assert forwarded(upstreams) == before


def test_only_the_listed_assets_are_served(documented):
    for path in ("/api/docs/assets/index.html", "/api/docs/assets/../../app.py", "/api/docs/assets/LICENSE"):
        response = get(documented, path)
        assert response.status_code in (400, 404), path
        assert response.content_type == "application/problem+json"
    assert documented.test_client().post("/api/openapi.json", headers={"Host": BARE}).status_code == 405


def test_on_a_branch_portal_the_reference_is_not_served(documented, upstreams):
    # /api/<name> on a branch host is a service's or nothing: "docs" is no service, so the gateway's 404.
    before = forwarded(upstreams)
    for path in ("/api/docs", "/api/openapi.json"):
        response = get(documented, path, host="demo.localhost:8080")
        assert response.status_code == 404 and response.content_type == "application/problem+json", path
        assert response.get_json()["code"] == "no_such_service"
    assert forwarded(upstreams) == before
