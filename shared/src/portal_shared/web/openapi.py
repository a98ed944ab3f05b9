"""What every service's OpenAPI document says about errors and pagination, said once.

- Errors are RFC 9457 `application/problem+json` with the `ProblemDetails` schema (the shape
  `portal_shared.errors.problem` writes), in every status component and every error response
  an operation declares without a body of its own.
- Every operation lists the errors the shared edge can give it (400 from the input guard, 404
  when it has path parameters, 413 when it takes a body) next to its own, and keeps `default`
  for the rest (401/403 of its guard, 500) — never `default` alone.
- `X-Pagination` is a string header holding JSON (as flask-smorest sends it), and `page` is
  bounded by `MAX_PAGE` (portal_shared.web.pagination).
"""
from __future__ import annotations

import http

from apispec import BasePlugin
from marshmallow import Schema, fields

from portal_shared.errors import PROBLEM_JSON
from portal_shared.web.pagination import MAX_PAGE

PROBLEM_SCHEMA_NAME = "ProblemDetails"
PAGINATION_HEADER_DOC = {
    "description": "Pagination metadata as a JSON object in a string: total, total_pages, first_page, "
                   "last_page, page, previous_page, next_page (the page keys only when they exist).",
    "schema": {"type": "string", "example": '{"total": 42, "total_pages": 5, "first_page": 1, '
                                            '"last_page": 5, "page": 2, "previous_page": 1, "next_page": 3}'},
}
_BODY_METHODS = {"post", "put", "patch"}


class ProblemDetailsSchema(Schema):
    """RFC 9457 problem details, with our stable `code`."""

    type = fields.String(required=True, metadata={"example": "https://errors.portal.example/not_found"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "stable, machine-readable error code"})
    detail = fields.String()
    errors = fields.Dict(metadata={"description": "field name → messages (validation errors)"})
    request_id = fields.String()


def error_response(status: int) -> dict:
    """A status component: problem+json for errors, no body for the rest."""
    response: dict = {"description": http.HTTPStatus(status).phrase}
    if status >= 400:
        response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA_NAME}}
    return response


class ProblemResponsesPlugin(BasePlugin):
    """Completes each operation's responses after flask-smorest and marshmallow wrote them."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            # flask-smorest keys statuses by int, "default" by str: one kind of key, or sorting fails.
            responses = {str(status): response for status, response in operation.get("responses", {}).items()}
            operation["responses"] = responses
            responses.setdefault("400", http.HTTPStatus(400).name)
            if "{" in (path or ""):
                responses.setdefault("404", http.HTTPStatus(404).name)
            if method in _BODY_METHODS:
                responses.setdefault("413", http.HTTPStatus(413).name)
            responses.setdefault("default", "DEFAULT_ERROR")
            for status, response in list(responses.items()):
                if str(status).isdigit() and int(status) >= 400 and isinstance(response, dict) \
                        and not response.get("content"):
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA_NAME}}
            for parameter in operation.get("parameters", []):
                if isinstance(parameter, dict) and parameter.get("in") == "query" and parameter.get("name") == "page":
                    parameter.setdefault("schema", {})["maximum"] = MAX_PAGE


def register_error_responses(spec) -> None:
    """Status components (lazy, named as flask-smorest names them) and DEFAULT_ERROR, as problem+json."""
    spec.components.schema(PROBLEM_SCHEMA_NAME, schema=ProblemDetailsSchema)
    for status in http.HTTPStatus:
        spec.components.response(status.name, error_response(status.value), lazy=True)
    spec.components.response("DEFAULT_ERROR", {"description": "Any other error",
                                               "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA_NAME}}},
                             lazy=True)


def register_pagination_header(spec) -> None:
    spec.components.header("PAGINATION", PAGINATION_HEADER_DOC, lazy=True)
