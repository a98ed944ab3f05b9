"""Which portal a Host header names: the bare platform host, a branch slug, or nothing we serve."""
from __future__ import annotations

from dataclasses import dataclass

BARE = "bare"
BRANCH = "branch"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class HostMatch:
    kind: str
    slug: str | None = None


def resolve_host(host: str, base_domain: str) -> HostMatch:
    host = (host or "").strip().lower().rstrip(".")
    base = base_domain.lower()
    if host == base:
        return HostMatch(BARE)
    suffix = "." + base
    if host.endswith(suffix):
        slug = host[: -len(suffix)]
        if slug and "." not in slug:
            return HostMatch(BRANCH, slug)
    return HostMatch(UNKNOWN)


def split_service_path(path: str, services) -> tuple[str, str]:
    """`api/billing/invoices` → ("billing", "/invoices"); anything else belongs to portal-web."""
    parts = path.split("/", 2)
    if len(parts) >= 2 and parts[0] == "api" and parts[1] in services and parts[1] != "portal-web":
        return parts[1], "/" + (parts[2] if len(parts) == 3 else "")
    return "portal-web", "/" + path
