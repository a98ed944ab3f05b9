"""The back office's integration API at the edge (ADR 0012), on the bare platform host.

- `key_claims_or_refusal`: an `Authorization: Bearer pk_…` request is let through only with a
  live key (looked up in Redis), only to `/api/<service>/integration/...`, and then carries the
  key's company and scopes in the signed identity token instead of the key. Unknown or revoked:
  401; Redis down: 503; elsewhere: 403. All problem+json, from the gateway itself.
- `refusal_on_branch_host`: a key sent to a branch portal's address is refused (400) without
  being looked up or forwarded: the integration API is the company's, not a branch's, and the
  key must not reach a service's logs in an `Authorization` header.
- `/api/openapi.json` and `/api/docs`: the one document of the whole integration API, merged
  from the services' documents, and a Swagger UI page over it with every asset served from here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import flask_swagger_ui
from flask import Response, current_app, g, jsonify, render_template, request, send_from_directory

from portal_gateway.adapters.api_keys import ApiKeyGate, KeyRefused, KeyStoreUnavailable, presented_key
from portal_gateway.adapters.openapi import INTEGRATION_PREFIX, IntegrationSpec
from portal_shared.errors import problem

SPEC_PATH = "api/openapi.json"
DOCS_PATH = "api/docs"
ASSETS_PATH = "api/docs/assets"
# Swagger UI's own files (from the pinned flask-swagger-ui package) and ours, by name: nothing else.
SWAGGER_DIST = Path(flask_swagger_ui.__file__).parent / "dist"
OWN_STATIC = Path(__file__).resolve().parent.parent / "static"
ASSETS = {"swagger-ui.css": SWAGGER_DIST, "swagger-ui-bundle.js": SWAGGER_DIST,
          "api-docs.js": OWN_STATIC, "api-docs.css": OWN_STATIC}
MISSING_KEY_HELP = "Send a valid API key as 'Authorization: Bearer <key>'."


def _gate() -> ApiKeyGate:
    return current_app.extensions["gateway_api_keys"]


def _spec() -> IntegrationSpec:
    return current_app.extensions["gateway_integration_spec"]


# -- API keys --------------------------------------------------------------------------------

def key_claims_or_refusal(service: str, upstream_path: str) -> dict[str, Any] | Response | None:
    """None without an API key; the key's claims for a live key on an integration path; else the refusal."""
    key = presented_key(request.headers.get("Authorization"))
    if key is None:
        return None
    try:
        claims = _gate().claims_for(key)
    except KeyRefused:
        return problem(401, "invalid_api_key", "Authentication required",
                       "This API key is unknown or has been revoked. " + MISSING_KEY_HELP,
                       request_id=g.request_id, headers={"WWW-Authenticate": 'Bearer realm="integration"'})
    except KeyStoreUnavailable:
        return problem(503, "api_keys_unavailable", "Service unavailable",
                       "API keys cannot be checked right now; try again in a moment.",
                       request_id=g.request_id, headers={"Retry-After": "5"})
    if not upstream_path.startswith(INTEGRATION_PREFIX):
        return problem(403, "api_key_not_accepted_here", "Forbidden",
                       f"An API key opens only the integration API (/api/<service>{INTEGRATION_PREFIX}...), "
                       f"not /api/{service}{upstream_path}.", request_id=g.request_id)
    return claims


def refusal_on_branch_host() -> Response | None:
    if presented_key(request.headers.get("Authorization")) is None:
        return None
    platform = f"{request.scheme}://{current_app.config['BASE_DOMAIN']}"
    return problem(400, "api_key_on_branch_host", "Bad request",
                   f"The integration API is served at the platform host: {platform}/api/<service>/integration/... "
                   "Send the API key there, not to a branch portal.", request_id=g.request_id)


# -- the reference ---------------------------------------------------------------------------

def serves(path: str) -> bool:
    return path in (SPEC_PATH, DOCS_PATH, DOCS_PATH + "/") or path.startswith(ASSETS_PATH + "/")


def serve(path: str):
    if request.method not in ("GET", "HEAD"):
        return problem(405, "method_not_allowed", "Method not allowed", "Use GET.", request_id=g.request_id,
                       headers={"Allow": "GET, HEAD"})
    if path == SPEC_PATH:
        return jsonify(_spec().document())
    if path in (DOCS_PATH, DOCS_PATH + "/"):
        return Response(render_template("api_docs.html", spec_url="/" + SPEC_PATH, assets="/" + ASSETS_PATH),
                        mimetype="text/html")
    name = path[len(ASSETS_PATH) + 1:]
    if name not in ASSETS:
        return problem(404, "not_found", "Not found", "No such file.", request_id=g.request_id)
    return send_from_directory(ASSETS[name], name, max_age=3600)
