"""Merging the services' OpenAPI documents into the integration API's one document (no I/O)."""
from __future__ import annotations

from portal_gateway.adapters.openapi import merge_integration_specs


def spec(paths: dict, schemas: dict | None = None, responses: dict | None = None) -> dict:
    return {"openapi": "3.0.3", "paths": paths, "components": {"schemas": schemas or {}, "responses": responses or {}}}


def put(body_ref: str, scope: str | None = None, **extra) -> dict:
    operation = {"requestBody": {"content": {"application/json": {"schema": {"$ref": body_ref}}}},
                 "responses": {"default": {"$ref": "#/components/responses/DEFAULT_ERROR"}}, **extra}
    if scope:
        operation["x-required-scope"] = scope
    return {"put": operation}


ERROR = {"type": "object", "properties": {"code": {"type": "string"}}}
DEFAULT_ERROR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def test_only_integration_paths_are_kept_prefixed_by_their_service():
    merged = merge_integration_specs({
        "identity": spec({"/integration/contacts/{id}": put("#/components/schemas/Contact", "contacts:write"),
                          "/staff/me": {"get": {"responses": {}}}, "/healthz": {"get": {"responses": {}}}},
                         {"Contact": {"type": "object"}, "Error": ERROR}, {"DEFAULT_ERROR": DEFAULT_ERROR}),
        "portal-config": spec({"/companies": {"get": {"responses": {}}}}),
    })
    assert list(merged["paths"]) == ["/api/identity/integration/contacts/{id}"]
    assert [t["name"] for t in merged["tags"]] == ["identity"]  # portal-config has no integration API
    assert merged["x-unavailable-services"] == []


def test_same_named_components_of_two_services_stay_apart_and_references_follow_them():
    merged = merge_integration_specs({
        "billing": spec({"/integration/invoices/{id}": put("#/components/schemas/Upsert", "invoices:write")},
                        {"Upsert": {"type": "object", "properties": {"lines": {"$ref": "#/components/schemas/Line"}}},
                         "Line": {"type": "object"}, "Unused": {"type": "string"}, "Error": ERROR},
                        {"DEFAULT_ERROR": DEFAULT_ERROR}),
        "visits": spec({"/integration/visits/{id}": put("#/components/schemas/Upsert", "visits:write")},
                       {"Upsert": {"type": "object"}, "Error": ERROR}, {"DEFAULT_ERROR": DEFAULT_ERROR}),
    })
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {"billing.Upsert", "billing.Line", "billing.Error", "visits.Upsert", "visits.Error"}
    assert schemas["billing.Upsert"]["properties"]["lines"] == {"$ref": "#/components/schemas/billing.Line"}
    assert set(merged["components"]["responses"]) == {"billing.DEFAULT_ERROR", "visits.DEFAULT_ERROR"}
    visit = merged["paths"]["/api/visits/integration/visits/{id}"]["put"]
    assert visit["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/visits.Upsert"}


def test_each_operation_says_its_scope_and_needs_the_key():
    merged = merge_integration_specs({
        "requests": spec({"/integration/requests/{id}": put("#/components/schemas/R", "requests:write",
                                                             description="Idempotent.", operationId="putRequest")},
                         {"R": {"type": "object"}}),
    })
    operation = merged["paths"]["/api/requests/integration/requests/{id}"]["put"]
    assert operation["description"] == "Requires the `requests:write` scope.\n\nIdempotent."
    assert operation["security"] == [{"apiKey": []}] and operation["tags"] == ["requests"]
    assert operation["operationId"] == "requests.putRequest"
    assert merged["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"


def test_a_service_that_did_not_answer_is_named_and_the_rest_still_merges():
    merged = merge_integration_specs({"identity": spec({"/integration/x": put("#/components/schemas/X")},
                                                       {"X": {}}),
                                      "billing": None, "visits": None})
    assert list(merged["paths"]) == ["/api/identity/integration/x"]
    assert merged["x-unavailable-services"] == ["billing", "visits"]
    assert "billing, visits did not answer" in merged["info"]["description"]
