"""Rules of webhook delivery: endpoints' URLs and addresses, the payload, the retry schedule. No I/O.

- **Targets.** Outside dev mode an endpoint is an `https://` URL whose host is, and resolves
  only to, public addresses: no loopback, private, link-local, multicast, reserved or otherwise
  non-global target (the same check runs on the resolved addresses at every send, against DNS
  rebinding). In dev mode `http://` and local addresses are allowed, so the dev receiver works.
- **Payload.** The Standard Webhooks shape (`type`, `timestamp`, `data`) plus the envelope's
  `id`, `version`, `tenant_id` and `branch_id`; the internal `correlation_id` is left out. It is
  serialised once, at fan-out, and those exact bytes are signed and sent on every attempt and
  replay. The `webhook-id` header is the event id, so a receiver can drop a copy it already has.
- **Retries.** A delivery is tried at fan-out, then after each delay of the schedule (by default
  5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: about 27.5 hours in all); a 2xx answer delivers it.
  When the last try fails it is given up, and if the endpoint has not answered any delivery
  with a 2xx since that delivery's first try, the endpoint is disabled.
"""
from __future__ import annotations

import base64
import ipaddress
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from portal_shared.events.envelope import Envelope

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
DELIVERY_STATUSES = (PENDING, DELIVERED, FAILED)
ENABLED, DISABLED = "enabled", "disabled"
ENDPOINT_STATUSES = (ENABLED, DISABLED)

MAX_URL_LENGTH = 2000
MAX_ERROR_LENGTH = 500
MAX_EXCERPT_BYTES = 500
SECRET_PREFIX = "whsec_"


class UnsafeTarget(ValueError):
    """The URL or an address it resolves to may not receive webhooks here."""


# -- the endpoint's URL ------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    scheme: str
    host: str      # a name or an IP literal (no brackets)
    port: int
    path: str      # path and query, as sent in the request line


def parse_target(url: str, *, dev_mode: bool) -> Target:
    """Check the URL's shape (scheme, host, no credentials); raises UnsafeTarget saying why."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"at most {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise UnsafeTarget("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"not a valid URL ({exc})") from None
    allowed = ("https", "http") if dev_mode else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeTarget("must be an https:// URL" if not dev_mode else "must be an http:// or https:// URL")
    if not parts.hostname:
        raise UnsafeTarget("must name a host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("must not carry a user name or password")
    if parts.fragment:
        raise UnsafeTarget("must not have a #fragment")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=parts.hostname, port=port or (443 if parts.scheme == "https" else 80),
                  path=path)


def check_address(address: str, *, dev_mode: bool) -> None:
    """Refuse a non-public address (outside dev mode). An IPv4 address carried inside IPv6 (mapped,
    6to4, Teredo) is judged as that IPv4 too, so 127.0.0.1 cannot hide in `2002:7f00:1::1`."""
    if dev_mode:
        return
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        raise UnsafeTarget(f"{address!r} is not an IP address") from None
    judged = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        judged += [inner for inner in (ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())) if inner is not None]
    for candidate in judged:
        if (not candidate.is_global or candidate.is_loopback or candidate.is_private or candidate.is_link_local
                or candidate.is_multicast or candidate.is_reserved or candidate.is_unspecified):
            raise UnsafeTarget(f"resolves to {ip}, which is not a public address")


def check_literal_host(target: Target, *, dev_mode: bool) -> None:
    """A host written as an IP literal is checked without resolving; `localhost` names are refused."""
    if dev_mode:
        return
    host = target.host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeTarget("must not point at localhost")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return
    check_address(host, dev_mode=dev_mode)


# -- secrets and payloads ---------------------------------------------------------------------

def new_signing_secret() -> str:
    """`whsec_` + 32 random bytes in base64, as the Standard Webhooks libraries expect."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def payload_of(envelope: Envelope) -> str:
    """The JSON body sent for an event (compact, keys sorted): signed and sent byte for byte."""
    body: dict[str, Any] = {
        "id": envelope.id,
        "type": envelope.type,
        "version": envelope.version,
        "timestamp": envelope.occurred_at,
        "tenant_id": envelope.tenant_id,
        "branch_id": envelope.branch_id,
        "data": envelope.data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- the retry schedule -----------------------------------------------------------------------

DEFAULT_DELAYS_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)


@dataclass(frozen=True)
class RetrySchedule:
    """Waits between tries: the first try is immediate, then one per delay; then give up."""

    delays: tuple[timedelta, ...] = tuple(timedelta(seconds=s) for s in DEFAULT_DELAYS_SECONDS)

    @classmethod
    def of_seconds(cls, seconds: list[float] | tuple[float, ...]) -> "RetrySchedule":
        return cls(tuple(timedelta(seconds=s) for s in seconds))

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    @property
    def total(self) -> timedelta:
        return sum(self.delays, timedelta())

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try after the `attempts`-th failure, or None when the schedule is spent."""
        if attempts >= self.max_attempts:
            return None
        return now + self.delays[attempts - 1]


def endpoint_failing_throughout(*, last_success_at: datetime | None, first_attempt_at: datetime | None) -> bool:
    """A given-up delivery disables its endpoint when nothing succeeded there since its first try."""
    return last_success_at is None or first_attempt_at is None or last_success_at < first_attempt_at
