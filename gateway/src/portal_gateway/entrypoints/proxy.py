"""The gateway's one job per request: find the branch, clean the headers, pass it on.

Bare host (`PORTAL_BASE_DOMAIN`): /healthz, /readyz (every service, and Redis) and /metrics with
the operator token, /api/... for the operator's admin API, and the back office's integration API:
API keys and the reference at /api/docs (`integration_api`). Branch host: /api/<service>/... to that
service, the rest to portal-web, each with a fresh signed identity token naming the tenant and
branch, the client's address, and the signed-in account when the `portal_session` cookie names a
live session there. What the edge refuses or rewrites on the way is in `edge_safety`; its own
error answers are in `errors`.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, jsonify, request

from portal_gateway.adapters.sessions import COOKIE_NAME, SessionGate
from portal_gateway.adapters.upstreams import (NoUpstream, UpstreamAnswer, UpstreamFailed, UpstreamPool,
                                               UpstreamTimeout)
from portal_gateway.entrypoints import edge_safety, integration_api
from portal_gateway.entrypoints.errors import error_answer
from portal_gateway.routing.branches import Branch
from portal_gateway.routing.hosts import BARE, BRANCH, resolve_host, split_service_path
from portal_shared.errors import problem
from portal_shared.identity_token import HEADER as IDENTITY_HEADER
from portal_shared.identity_token import sign_identity
from portal_shared.logging import get_logger
from portal_shared.web.health import run_checks
from portal_shared.web.metrics import metrics_response

log = get_logger(__name__)
bp = Blueprint("proxy", __name__)
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

# A disabled portal is closed to customers, not to its staff: they must reach the console (and
# the settings API behind it) to turn it back on.
OPEN_WHEN_DISABLED = ("staff/", "static/", "api/portal-config/", "api/identity/staff/")

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host", "content-length"}
SET_BY_THE_GATEWAY = {"x-request-id", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-for"}
# Identity is the gateway's to assert. Anything a client sends that looks like it is dropped.
STRIPPED_PREFIXES = ("x-portal-", "x-internal-", "x-user", "x-tenant", "x-branch", "x-forwarded-user",
                     "x-remote-user", "remote-user", "x-auth-", "x-identity")


def _pools() -> dict[str, UpstreamPool]:
    return current_app.extensions["gateway_pools"]


def _sessions() -> SessionGate:
    return current_app.extensions["gateway_sessions"]


NO_PORTAL = "There is no customer portal at this address. Check the link you were sent."


def _no_such_service(service: str, path: str) -> bool:
    """`/api/<name>/…` where <name> routes nowhere: the gateway's 404, not portal-web's page."""
    return service == "portal-web" and (path == "api" or path.startswith("api/"))


@bp.route("/", defaults={"path": ""}, methods=METHODS)
@bp.route("/<path:path>", methods=METHODS)
def route(path: str):
    if path == "healthz":  # liveness, whatever Host a probe sends
        return jsonify(service="gateway", status="alive")
    if _has_dot_segments(path):
        # `..` would be resolved after our prefix checks (e.g. /static/../login): refuse it outright.
        return problem(400, "bad_path", "Bad request", "The path may not contain '.' or '..' segments.",
                       request_id=g.request_id)
    match = resolve_host(request.host, current_app.config["BASE_DOMAIN"])
    if match.kind == BARE:
        return _bare_host(path)
    if match.kind == BRANCH and path in edge_safety.OPERATOR_PATHS:
        return edge_safety.not_found()  # the operator's, on the bare host only; never portal-web's own
    if match.kind != BRANCH:
        return error_answer(404, "no_portal", "No portal here", NO_PORTAL)
    branch = current_app.extensions["gateway_branches"].by_slug(match.slug)
    if branch is None:
        return error_answer(404, "no_portal", "No portal here", NO_PORTAL)
    if not branch.enabled and not path.startswith(OPEN_WHEN_DISABLED):
        return error_answer(403, "portal_not_enabled", "Portal not enabled",
                            f"{branch.company_name}'s customer portal for {branch.name} is not enabled yet. "
                            "Please contact them for access.")
    refused = integration_api.refusal_on_branch_host()
    if refused is not None:
        return refused
    service, upstream_path = split_service_path(path, _pools())
    if _no_such_service(service, path):
        return error_answer(404, "no_such_service", "Not found", "No service answers at this address.")
    return _forward(service, upstream_path, branch)


def _has_dot_segments(path: str) -> bool:
    return any(segment in (".", "..") for segment in path.split("/"))


def _bare_host(path: str):
    if path in edge_safety.OPERATOR_PATHS:
        refusal = edge_safety.operator_only()
        if refusal is not None:
            return refusal
        return readiness() if path == "readyz" else metrics_response(current_app.extensions["gateway_metrics"])
    if integration_api.serves(path):
        return integration_api.serve(path)
    service, upstream_path = split_service_path(path, _pools())
    if _no_such_service(service, path):
        return error_answer(404, "no_such_service", "Not found", "No service answers at this address.")
    if service == "portal-web":
        return error_answer(404, "no_portal", "Customer portal platform",
                            "Each company's portal lives at its own address, like https://yourcompany.example.com.")
    key_claims = integration_api.key_claims_or_refusal(service, upstream_path)
    if isinstance(key_claims, Response):
        return key_claims
    return _forward(service, upstream_path, None, key_claims=key_claims)


def _forward(service: str, path: str, branch: Branch | None, *, key_claims: dict | None = None):
    if service != "portal-web":
        if edge_safety.is_internal_service_path(path):
            return edge_safety.not_found()
        refusal = edge_safety.cross_site_write(COOKIE_NAME)
        if refusal is not None:
            return refusal
    pool = _pools()[service]
    # Static assets are the same for everyone: no session lookup (a Redis round trip) for them.
    headers = _clean_headers(branch, anonymous=service == "portal-web" and path.startswith("/static/"),
                             key_claims=key_claims)
    body = request.get_data() if request.method not in ("GET", "HEAD") else None
    try:
        # `path` arrives percent-decoded: encode it again, or an escaped "?" or "#" would cut it short.
        upstream = pool.send(request.method, quote(path, safe="/:@!$&'()*+,;=~"),
                             query=request.query_string.decode(), headers=headers, body=body)
    except UpstreamTimeout as exc:
        log.warning("upstream_timeout", service=service, path=path)
        return problem(504, "upstream_timeout", "Gateway timeout", str(exc), request_id=g.request_id)
    except UpstreamFailed as exc:
        log.warning("upstream_failed", service=service, path=path)
        return problem(502, "upstream_failed", "Bad gateway", str(exc), request_id=g.request_id)
    except NoUpstream as exc:
        log.warning("upstream_unavailable", service=service, path=path)
        return problem(503, "upstream_unavailable", "Service unavailable", str(exc), request_id=g.request_id,
                       headers={"Retry-After": "5"})
    response_headers = edge_safety.response_headers(upstream, service, HOP_BY_HOP)
    return Response(_stream(upstream), status=upstream.status_code, headers=response_headers)


def _stream(upstream: UpstreamAnswer) -> Iterator[bytes]:
    finished = False
    try:
        yield from upstream.stream(64 * 1024)
        finished = True
    finally:
        upstream.release() if finished else upstream.abandon()


def _clean_headers(branch: Branch | None, *, anonymous: bool = False,
                   key_claims: dict | None = None) -> dict[str, str]:
    # With an API key, the signed token replaces it: the key itself goes no further than the edge.
    # What the gateway sets below is dropped first: urllib3 sends a plain dict, so a client's "X-Request-Id"
    # beside our "X-Request-ID" would travel as two headers.
    dropped = HOP_BY_HOP | SET_BY_THE_GATEWAY | ({"authorization"} if key_claims else set())
    headers = {k: v for k, v in request.headers.items()
               if k.lower() not in dropped and not k.lower().startswith(STRIPPED_PREFIXES)}
    headers["X-Request-ID"] = g.request_id
    headers["X-Forwarded-Host"] = request.host
    headers["X-Forwarded-Proto"] = request.scheme
    headers["X-Forwarded-For"] = ", ".join(filter(None, [request.headers.get("X-Forwarded-For"), request.remote_addr]))
    # The socket's address: the gateway is the edge, so a client's X-Forwarded-For proves nothing.
    claims = {"kind": "request", "request_id": g.request_id, "client_ip": request.remote_addr}
    if branch is not None:
        claims.update(tenant_id=branch.company_id, branch_id=branch.branch_id, branch_slug=branch.slug,
                      branch_name=branch.name, company_name=branch.company_name, time_zone=branch.time_zone)
        if not anonymous:
            claims.update(_sessions().claims_for(request.cookies.get(COOKIE_NAME), branch))
    if key_claims:
        claims.update(key_claims)
    headers[IDENTITY_HEADER] = sign_identity(claims, current_app.config["INTERNAL_TOKEN_SECRET"])
    return headers


def readiness():
    """Every service's /readyz (each instance), plus the gateway's own routing table, feed and Redis."""
    pools = _pools()
    feed = current_app.extensions.get("gateway_feed")
    branches = current_app.extensions["gateway_branches"]

    def check_instance(pool: UpstreamPool, base: str):
        def check():
            response = pool.session.get(f"{base}/readyz", timeout=(1.0, 3.0))
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
        return check

    targets = [(name, base, check_instance(pool, base)) for name, pool in pools.items() for base in pool.addresses()]
    with ThreadPoolExecutor(max_workers=len(targets) + 1) as executor:
        redis_check = executor.submit(lambda gate: run_checks({"redis": gate.ping})[1]["redis"], _sessions())
        outcomes = list(executor.map(lambda t: (t[0], t[1], run_checks({"ready": t[2]})[1]["ready"]), targets))
    services: dict[str, dict] = {name: {"ready": False, "instances": {}} for name in pools}
    for name, base, outcome in outcomes:
        services[name]["instances"][base] = outcome
    for name, entry in services.items():
        entry["ready"] = bool(entry["instances"]) and all(v == "ok" for v in entry["instances"].values())
    gateway = {"routing_table_loaded": branches.loaded.is_set(), "branches": len(branches),
               "event_feed_connected": bool(feed and feed.connected), "redis": redis_check.result()}
    ready = (all(s["ready"] for s in services.values()) and gateway["routing_table_loaded"]
             and gateway["event_feed_connected"] and gateway["redis"] == "ok")
    return jsonify(ready=ready, gateway=gateway, services=services), 200 if ready else 503
