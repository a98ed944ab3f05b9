"""One OpenAPI document for the whole integration API, merged from the services' own documents.

Each service describes its endpoints in its `/openapi.json` (flask-smorest); the operations under
`/integration/` are the back office's API, and `require_integration` marks each with the scope it
needs (`x-required-scope`). This module fetches those documents lazily (short timeouts, in
parallel, cached for a minute), keeps the integration operations, prefixes them with
`/api/<service>` as the gateway routes them, renames their components `<service>.<Name>` so two
services' `Error` schemas cannot collide, and adds the API-key security scheme. A service that
does not answer is left out, and the document says so; it is never an error. A service that
gains `/integration/...` routes appears without any change here.
"""
from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from portal_gateway.adapters.upstreams import UpstreamPool
from portal_shared.logging import get_logger
from portal_shared.web.auth import INTEGRATION_SCOPES, REQUIRED_SCOPE_EXTENSION

log = get_logger(__name__)

INTEGRATION_PREFIX = "/integration/"
SECURITY_SCHEME = "apiKey"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
COMPONENTS_REF = "#/components/"
# Services with no API of their own for the back office.
NOT_DOCUMENTED = ("portal-web",)

DESCRIPTION = """\
The back office (an ERP or CRM) keeps the portal in step through this API.

**Authentication.** Every request sends the company's API key:
`Authorization: Bearer pk_<prefix>_<secret>`. The platform operator issues a company's first
key; a System Admin issues and revokes more in the staff API (`/api/identity/staff/api-keys`).
A key acts only for its own company. A missing, unknown or revoked key answers **401**
(a revoked key from the very next request on); a key without the operation's scope answers
**403** `missing_scope`. Call this API on the platform host (this page's host), not on a
branch portal's address.

**Scopes.** {scopes}.

**Upserts** are `PUT` by the back office's own id: the same request sent twice stores the same
record once and answers the stored record both times.

**Errors** are `application/problem+json` (RFC 9457) with a stable `code`; a 422 names each bad
field in `errors`.
"""


def merge_integration_specs(specs: Mapping[str, dict | None]) -> dict[str, Any]:
    """The merged document; `specs` maps each service to its OpenAPI document (None: it did not answer)."""
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    tags = []
    unavailable = sorted(name for name, spec in specs.items() if spec is None)
    for service, spec in specs.items():
        if not spec:
            continue
        own = {p: item for p, item in (spec.get("paths") or {}).items() if p.startswith(INTEGRATION_PREFIX)}
        if not own:
            continue
        own = _prefixed_refs(own, service)
        for path, item in own.items():
            paths[f"/api/{service}{path}"] = _documented(item, service)
        renamed = {section: {f"{service}.{name}": _prefixed_refs(value, service) for name, value in entries.items()}
                   for section, entries in (spec.get("components") or {}).items() if isinstance(entries, dict)}
        for section, name in _referenced_components(own, renamed):
            components.setdefault(section, {})[name] = renamed[section][name]
        tags.append({"name": service, "description": f"{service}: `/api/{service}/integration/…`"})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "pk_<prefix>_<secret>",
        "description": "The company's API key. Its scopes decide which operations it may call."}
    description = DESCRIPTION.format(scopes=", ".join(f"`{s}`" for s in INTEGRATION_SCOPES))
    if unavailable:
        description += (f"\n**Incomplete right now:** {', '.join(unavailable)} did not answer; "
                        "their operations are missing from this page until they do.\n")
    return {
        "openapi": "3.0.3",
        "info": {"title": "Customer portal integration API", "version": "1", "description": description},
        "servers": [{"url": "/", "description": "the platform host"}],
        "security": [{SECURITY_SCHEME: []}],
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": components,
        "x-unavailable-services": unavailable,
    }


def _documented(item: dict[str, Any], service: str) -> dict[str, Any]:
    item = copy.deepcopy(item)
    for method, operation in item.items():
        if method not in HTTP_METHODS or not isinstance(operation, dict):
            continue
        operation["tags"] = [service]
        operation["security"] = [{SECURITY_SCHEME: []}]
        if operation.get("operationId"):
            operation["operationId"] = f"{service}.{operation['operationId']}"
        scope = operation.get(REQUIRED_SCOPE_EXTENSION)
        note = f"Requires the `{scope}` scope." if scope else "Requires an API key."
        operation["description"] = note + ("\n\n" + operation["description"] if operation.get("description") else "")
    return item


def _prefixed_refs(node: Any, service: str) -> Any:
    """A copy with every `#/components/<section>/<Name>` reference renamed `<service>.<Name>`."""
    if isinstance(node, dict):
        return {k: (_prefixed_ref(v, service) if k == "$ref" and isinstance(v, str) else _prefixed_refs(v, service))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_prefixed_refs(v, service) for v in node]
    return node


def _prefixed_ref(ref: str, service: str) -> str:
    if not ref.startswith(COMPONENTS_REF):
        return ref
    section, _, name = ref[len(COMPONENTS_REF):].partition("/")
    return f"{COMPONENTS_REF}{section}/{service}.{name}"


def _refs(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(COMPONENTS_REF):
            section, _, name = ref[len(COMPONENTS_REF):].partition("/")
            yield section, name
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _referenced_components(root: Any, components: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """Every component `root` needs, directly or through other components (only those are copied)."""
    seen: list[tuple[str, str]] = []
    pending = list(_refs(root))
    while pending:
        section, name = pending.pop()
        if (section, name) in seen or name not in components.get(section, {}):
            continue
        seen.append((section, name))
        pending.extend(_refs(components[section][name]))
    return seen


class IntegrationSpec:
    """The merged document, built on first request and again once it is older than `ttl`."""

    def __init__(self, pools: Mapping[str, UpstreamPool], *, ttl: float = 60.0, incomplete_ttl: float = 5.0,
                 timeout: tuple[float, float] = (1.0, 3.0)):
        self.pools = {name: pool for name, pool in pools.items() if name not in NOT_DOCUMENTED}
        self.ttl = ttl
        self.incomplete_ttl = incomplete_ttl  # a service that was down is asked again soon
        self.timeout = timeout
        self._lock = threading.Lock()
        self._document: dict[str, Any] | None = None
        self._expires = 0.0

    def document(self) -> dict[str, Any]:
        with self._lock:  # one fetch at a time; the others wait for its result
            if self._document is None or time.monotonic() >= self._expires:
                self._document = self._build()
                complete = not self._document["x-unavailable-services"]
                self._expires = time.monotonic() + (self.ttl if complete else self.incomplete_ttl)
            return self._document

    def _build(self) -> dict[str, Any]:
        with ThreadPoolExecutor(max_workers=max(1, len(self.pools))) as executor:
            fetched = dict(zip(self.pools, executor.map(self._fetch, self.pools.values())))
        return merge_integration_specs(fetched)

    def _fetch(self, pool: UpstreamPool) -> dict | None:
        for base in pool.ordered():
            try:
                response = pool.session.get(f"{base}/openapi.json", timeout=self.timeout)
                if response.status_code == 200:
                    document = response.json()
                    if isinstance(document, dict):
                        return document
                log.warning("openapi_fetch_failed", upstream=pool.service, status=response.status_code)
            except (requests.RequestException, ValueError) as exc:
                log.warning("openapi_fetch_failed", upstream=pool.service, error=type(exc).__name__)
        return None
