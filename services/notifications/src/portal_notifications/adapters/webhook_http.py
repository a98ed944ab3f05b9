"""The webhook transport: resolve, check every address, connect to the checked one, POST once.

Against DNS rebinding the host is resolved right before each send, every address it resolves
to must be public (outside dev mode, `domain.webhooks.check_address`), and the connection goes
to that checked address (pinned), with the host name kept for TLS (SNI and certificate check)
and the `Host` header. Redirects are never followed (a 3xx is a failed try), timeouts are
short, and at most a small excerpt of the answer is read.

`resolve` is a parameter so tests can make a name resolve to 127.0.0.1 (as an attacker's DNS
would); the tests otherwise send to a real local receiver.
"""
from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

import certifi
import urllib3

from portal_notifications.domain.webhooks import (
    MAX_ERROR_LENGTH,
    MAX_EXCERPT_BYTES,
    Target,
    UnsafeTarget,
    check_address,
    check_literal_host,
)

Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (IPv4 and IPv6), in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def checked_addresses(target: Target, *, dev_mode: bool, resolve: Resolver) -> list[str]:
    """The addresses to connect to, after checking the host and each one; raises UnsafeTarget."""
    check_literal_host(target, dev_mode=dev_mode)
    try:
        addresses = resolve(target.host, target.port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeTarget(f"the host {target.host!r} does not resolve ({exc})") from None
    if not addresses:
        raise UnsafeTarget(f"the host {target.host!r} does not resolve")
    for address in addresses:
        check_address(address, dev_mode=dev_mode)
    return addresses


@dataclass(frozen=True)
class SendResult:
    status_code: int | None      # None: no HTTP answer (refused, timeout, blocked, TLS error)
    latency_ms: int
    error: str | None = None
    excerpt: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class HttpTransport:
    def __init__(self, *, dev_mode: bool, resolve: Resolver = system_resolver, connect_timeout: float = 3.0,
                 read_timeout: float = 10.0, user_agent: str = "customer-portal-webhooks/1"):
        self.dev_mode = dev_mode
        self.resolve = resolve
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.user_agent = user_agent

    def post(self, target: Target, body: bytes, headers: dict[str, str]) -> SendResult:
        started = time.monotonic()

        def result(status: int | None, error: str | None = None, excerpt: str | None = None) -> SendResult:
            return SendResult(status, round((time.monotonic() - started) * 1000),
                              error[:MAX_ERROR_LENGTH] if error else None, excerpt)

        try:
            address = checked_addresses(target, dev_mode=self.dev_mode, resolve=self.resolve)[0]
        except UnsafeTarget as exc:
            return result(None, f"refused: {exc}")
        host = f"[{target.host}]" if ":" in target.host else target.host
        default_port = 443 if target.scheme == "https" else 80
        host_header = host if target.port == default_port else f"{host}:{target.port}"
        pool = self._pool(target, address)
        try:
            response = pool.urlopen(
                "POST", target.path, body=body,
                headers={**headers, "Host": host_header, "Content-Type": "application/json",
                         "User-Agent": self.user_agent},
                redirect=False, retries=False, preload_content=False, assert_same_host=False,
            )
            try:
                excerpt = response.read(MAX_EXCERPT_BYTES, decode_content=False)
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            return result(None, f"{type(exc).__name__}: {exc}")
        finally:
            pool.close()
        text = excerpt.decode("utf-8", errors="replace")[:MAX_EXCERPT_BYTES] if excerpt else None
        error = None if 200 <= response.status < 300 else f"HTTP {response.status}"
        return result(response.status, error, text)

    def _pool(self, target: Target, address: str) -> urllib3.HTTPConnectionPool:
        if target.scheme == "https":
            # Connect to the checked address; SNI and the certificate check use the host name.
            return urllib3.HTTPSConnectionPool(
                address, target.port, timeout=self.timeout, retries=False, maxsize=1,
                cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(), assert_hostname=target.host,
                server_hostname=target.host)
        return urllib3.HTTPConnectionPool(address, target.port, timeout=self.timeout, retries=False, maxsize=1)
