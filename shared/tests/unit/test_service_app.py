"""create_service_app: request ids, problem+json errors, health, readiness, OpenAPI and metrics."""
from __future__ import annotations

import json
import uuid

import pytest
from flask import g
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from prometheus_client.parser import text_string_to_metric_families

from portal_shared.errors import PROBLEM_JSON, ApiError, Conflict
from portal_shared.identity_token import HEADER, sign_identity
from portal_shared.web import create_service_app

SECRET = "unit-test-internal-secret-0123456789abcdef"


class ThingCreate(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1))
    count = fields.Integer(required=True, validate=validate.Range(min=1))


def _build(checks=None):
    service = f"unit-{uuid.uuid4().hex[:8]}"  # a fresh label value keeps each test's metrics its own
    app, api = create_service_app(__name__, service=service, readiness_checks=checks,
                                  internal_token_secret=SECRET)
    blp = Blueprint("things", __name__, url_prefix="/")

    @blp.route("/things", methods=["POST"])
    @blp.arguments(ThingCreate)
    @blp.response(201)
    def create_thing(body):
        return body

    @blp.route("/conflict")
    def conflict():
        raise Conflict("The subdomain 'north' is taken.", code="slug_taken", errors={"slug": ["taken"]})

    @blp.route("/teapot")
    def teapot():
        raise ApiError("No coffee here.", status=418, code="teapot", title="I'm a teapot")

    @blp.route("/boom")
    def boom():
        raise RuntimeError("password=hunter2 leaked from deep inside")

    @blp.route("/whoami")
    def whoami():
        return {"identity": g.identity}

    api.register_blueprint(blp)
    return app


@pytest.fixture
def app():
    return _build()


@pytest.fixture
def client(app):
    return app.test_client()


# -- problem+json ----------------------------------------------------------------------------

def test_an_api_error_becomes_a_problem_with_type_title_status_code_and_detail(client):
    response = client.get("/conflict", headers={"X-Request-ID": "req-conflict"})
    assert response.status_code == 409
    assert response.mimetype == PROBLEM_JSON
    assert response.get_json() == {
        "type": "https://errors.portal.example/slug_taken", "title": "Conflict", "status": 409,
        "code": "slug_taken", "detail": "The subdomain 'north' is taken.", "errors": {"slug": ["taken"]},
        "request_id": "req-conflict",
    }


def test_an_api_error_with_its_own_status_and_title_keeps_them(client):
    body = client.get("/teapot").get_json()
    assert (body["status"], body["code"], body["title"], body["detail"]) == (418, "teapot", "I'm a teapot",
                                                                             "No coffee here.")


def test_argument_validation_answers_422_naming_every_bad_field_in_errors_and_detail(client):
    response = client.post("/things", json={"name": "", "count": 0})
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["code"] == "validation_failed"
    assert body["type"] == "https://errors.portal.example/validation_failed"
    assert set(body["errors"]) == {"name", "count"}  # flattened: no "json" location level
    assert "name" in body["detail"] and "count" in body["detail"]


def test_a_missing_required_field_is_named_too(client):
    body = client.post("/things", json={"name": "x"}).get_json()
    assert set(body["errors"]) == {"count"}
    assert body["errors"]["count"] == ["Missing data for required field."]


def test_valid_arguments_reach_the_view(client):
    response = client.post("/things", json={"name": "x", "count": 2})
    assert response.status_code == 201
    assert response.get_json() == {"name": "x", "count": 2}


def test_an_unhandled_exception_is_a_500_problem_with_the_request_id_and_no_internals(client):
    response = client.get("/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json()
    assert body["code"] == "internal_error" and body["status"] == 500
    assert body["request_id"] == "req-boom"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "hunter2" not in text and "RuntimeError" not in text


@pytest.mark.parametrize("method, path, status, code", [
    ("GET", "/no-such-page", 404, "not_found"),
    ("DELETE", "/conflict", 405, "method_not_allowed"),
])
def test_framework_http_errors_are_problems_too(client, method, path, status, code):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.mimetype == PROBLEM_JSON
    assert response.get_json()["code"] == code


# -- request ids -----------------------------------------------------------------------------

def test_the_callers_request_id_is_echoed(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"


def test_a_request_id_is_generated_when_the_caller_sends_none(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    uuid.UUID(first)
    assert first != second


# -- identity --------------------------------------------------------------------------------

def test_a_valid_identity_token_becomes_the_requests_identity(client):
    token = sign_identity({"kind": "service", "service": "gateway"}, SECRET)
    assert client.get("/whoami", headers={HEADER: token}).get_json()["identity"]["kind"] == "service"


def test_a_forged_identity_token_is_ignored(client):
    token = sign_identity({"kind": "service"}, "forged-secret-0123456789abcdefghijkl")
    assert client.get("/whoami", headers={HEADER: token}).get_json()["identity"] is None


# -- health and readiness --------------------------------------------------------------------

def test_healthz_answers_200_without_running_any_check():
    def never(): raise AssertionError("liveness must not run readiness checks")

    response = _build({"database": never}).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "alive"


def test_readyz_answers_200_when_every_check_passes():
    response = _build({"database": lambda: None, "broker": lambda: None}).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["ready"] is True
    assert response.get_json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readyz_answers_503_naming_the_failing_check_and_why():
    def broker():
        raise ConnectionRefusedError("connection refused\nsecond line is dropped")

    response = _build({"database": lambda: None, "broker": broker}).test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["ready"] is False
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "unavailable: ConnectionRefusedError: connection refused"


def test_readyz_with_no_checks_is_ready(client):
    assert client.get("/readyz").status_code == 200


# -- OpenAPI and metrics ---------------------------------------------------------------------

def test_the_openapi_document_is_valid_json_describing_the_paths(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.get_data(as_text=True))
    assert spec["openapi"].startswith("3.")
    assert "/things" in spec["paths"]


def _requests_total(client, service: str, endpoint: str, status: str) -> float:
    response = client.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            if sample.name == "http_requests_total" and sample.labels == {
                    "service": service, "method": "GET", "endpoint": endpoint, "status": status}:
                return sample.value
    return 0.0


def test_metrics_count_requests_by_route_and_status(app, client):
    service = app.config["SERVICE_NAME"]
    client.get("/healthz")
    client.get("/healthz")
    client.get("/conflict")
    assert _requests_total(client, service, "/healthz", "200") == 2.0
    assert _requests_total(client, service, "/conflict", "409") == 1.0


def test_metrics_label_unknown_paths_as_unmatched_not_by_raw_path(app, client):
    client.get("/random/path/123")
    assert _requests_total(client, app.config["SERVICE_NAME"], "unmatched", "404") == 1.0
