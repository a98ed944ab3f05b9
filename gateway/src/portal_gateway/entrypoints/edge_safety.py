"""What the gateway refuses or rewrites so the edge gives nothing away (ADR 0015).

- Operator endpoints: the bare host's /readyz (it lists internal addresses) and /metrics answer
  only with `Authorization: Bearer <operator token>` (401 problem+json otherwise); on a branch
  host they do not exist (404 problem+json), whatever portal-web would say.
- A service's own probes and metrics (`/api/<service>/metrics`, `/readyz`, `/healthz`) are never
  proxied: orchestrators and Prometheus reach them on the service's port, inside the network.
  `/api/<service>/openapi.json` stays reachable (the API reference is built from it).
- Cross-site writes: a request that carries the session cookie and would change something under
  /api/ must come from the portal's own origin. Only a form can send a body cross-site without a
  CORS preflight (multipart uploads, urlencoded, text/plain), and service APIs have no CSRF token
  of their own, so the browser's `Sec-Fetch-Site` / `Origin` decide (OWASP's origin check).
- Upstream answers: a `Location` naming an internal address becomes a path on the public host
  (mounted under /api/<service> for services); `Server` and similar are dropped.
- Headers: every answer leaves with nosniff and a Referrer-Policy, HTML with a CSP
  (portal_shared.web.security_headers).
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Response, current_app, g, request

from portal_shared.errors import problem
from portal_shared.web.auth import operator_token_sent

OPERATOR_PATHS = ("readyz", "metrics")
# First path segment of a service's own endpoints that only its network neighbours may call.
INTERNAL_SERVICE_PATHS = frozenset({"metrics", "readyz", "healthz"})
# Answer headers that describe our machinery rather than the answer.
DROPPED_RESPONSE_HEADERS = frozenset({"server", "x-powered-by"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def is_internal_service_path(upstream_path: str) -> bool:
    """`/metrics`, `/readyz/`, `/healthz/x` of a service (the path after /api/<service>)."""
    return upstream_path.lstrip("/").split("/", 1)[0] in INTERNAL_SERVICE_PATHS


def not_found() -> Response:
    return problem(404, "not_found", "Not found", "There is nothing at this address.",
                   request_id=g.get("request_id"))


def operator_only() -> Response | None:
    """None when the operator token came with the request; else the 401 to answer."""
    if operator_token_sent():
        return None
    return problem(401, "unauthenticated", "Unauthenticated",
                   "Send the operator token as 'Authorization: Bearer <token>'.",
                   request_id=g.get("request_id"), headers={"WWW-Authenticate": 'Bearer realm="portal-operator"'})


def cross_site_write(cookie_name: str) -> Response | None:
    """A 403 for a cookie-authenticated unsafe /api/ request sent from another site, else None."""
    if request.method not in UNSAFE_METHODS or cookie_name not in request.cookies:
        return None
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        # "same-site" is a sibling portal (another company's subdomain): not us either.
        allowed = fetch_site in ("same-origin", "none")
    else:
        origin = request.headers.get("Origin")
        # No Origin: not a browser form (browsers send it on every cross-origin POST).
        allowed = origin is None or urlsplit(origin).netloc.lower() == request.host.lower()
    if allowed:
        return None
    return problem(403, "cross_site_request", "Forbidden",
                   "A signed-in browser may only change things from this portal's own pages.",
                   request_id=g.get("request_id"))


def internal_origins(pools) -> set[str]:
    """Every `scheme://host:port` the gateway knows a service by (http+dns names as http)."""
    origins = set()
    for pool in pools.values():
        for url in pool.urls:
            parts = urlsplit(url.replace("http+dns://", "http://", 1))
            origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return origins


def public_location(location: str, *, mount: str, origins: set[str]) -> str:
    """An upstream's Location as the client should see it: an internal origin becomes a path on the
    host the client used, under the service's public mount ("" for portal-web, "/api/<service>"); so
    does a service's root-relative path (identity's `/staff/invitation-batches/1` is
    `/api/identity/staff/invitation-batches/1` out here, not a portal-web page)."""
    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        if not mount or not parts.path.startswith("/") or parts.path == mount or parts.path.startswith(mount + "/"):
            return location  # portal-web's own, relative to the current path, or already public
        return urlunsplit(("", "", mount + parts.path, parts.query, parts.fragment))
    if f"{parts.scheme}://{parts.netloc}".lower() not in origins:
        return location  # somewhere else on purpose (another portal, a processor)
    return urlunsplit(("", "", mount + (parts.path or "/"), parts.query, parts.fragment))


def response_headers(upstream, service: str, hop_by_hop: set[str]) -> list[tuple[str, str]]:
    """The upstream's headers fit to leave the building."""
    pools = current_app.extensions["gateway_pools"]
    used = urlsplit(upstream.url)
    origins = internal_origins(pools) | {f"{used.scheme}://{used.netloc}".lower()}
    mount = "" if service == "portal-web" else f"/api/{service}"
    headers = []
    for key, value in upstream.headers.items():
        lowered = key.lower()
        if lowered in hop_by_hop or lowered in DROPPED_RESPONSE_HEADERS:
            continue
        if lowered == "location":
            value = public_location(value, mount=mount, origins=origins)
        headers.append((key, value))
    return headers
