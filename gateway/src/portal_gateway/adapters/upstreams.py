"""Upstream pools: several addresses per service, round-robin, pooled connections, timeouts.

An address is `http://host:port`, or `http+dns://name:port` to balance over every address the
name resolves to (Docker Compose replicas, a headless Kubernetes service), re-resolved every
few seconds so new replicas join without a restart. A refused connection moves on to the next
address (the request was never sent, so this is safe for any method). A connection dropped after
the request was sent moves on only for idempotent methods: the upstream may have acted on a POST.
"""
from __future__ import annotations

import itertools
import socket
import threading
import time
from urllib.parse import urlsplit

import urllib3
import urllib3.exceptions

from portal_shared.http_client import pooled_session

DNS_SCHEME = "http+dns"
DNS_TTL_SECONDS = 5.0
IDEMPOTENT_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


class NoUpstream(Exception):
    """No address answered: every connection was refused or none is configured."""


class UpstreamTimeout(Exception):
    """The upstream accepted the request but did not answer in time."""


class UpstreamFailed(Exception):
    """The upstream took a non-idempotent request and dropped the connection: not safe to send again."""


class UpstreamPool:
    def __init__(self, service: str, urls: list[str], *, connect_timeout: float, read_timeout: float):
        self.service = service
        self.urls = urls
        self.timeout = (connect_timeout, read_timeout)
        self._counter = itertools.count()
        self._resolved: list[str] = []
        self._resolved_at = 0.0
        self._lock = threading.Lock()
        # Proxying goes through urllib3 itself: requests' per-call preparation (hooks, cookie jar, environment
        # merging) was a sixth of the gateway's CPU per request (docs/performance.md). No retries: a retry is
        # decided below, per method. No cookie jar either: one user's cookies never reach the next.
        self.http = urllib3.PoolManager(num_pools=16, maxsize=32, block=False, retries=False,
                                        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout))
        # Readiness and the merged OpenAPI document (a few calls a minute) keep requests' conveniences.
        self.session = pooled_session(pool_maxsize=4)

    def addresses(self) -> list[str]:
        if not any(u.startswith(DNS_SCHEME + "://") for u in self.urls):
            return self.urls
        with self._lock:
            if time.monotonic() - self._resolved_at > DNS_TTL_SECONDS or not self._resolved:
                self._resolved = [a for url in self.urls for a in _expand(url)]
                self._resolved_at = time.monotonic()
            return list(self._resolved)

    def ordered(self) -> list[str]:
        """Every address once, starting with the next one in round-robin order."""
        addresses = self.addresses()
        if not addresses:
            return []
        start = next(self._counter) % len(addresses)
        return addresses[start:] + addresses[:start]

    def send(self, method: str, path: str, *, query: str, headers: dict[str, str], body: bytes | None
             ) -> "UpstreamAnswer":
        """The first answer of the addresses in round-robin order; its body is read by the caller (`stream`)."""
        for base in self.ordered():
            url = f"{base}{path}" + (f"?{query}" if query else "")
            try:
                raw = self.http.request(method, url, headers=headers, body=body, redirect=False,
                                        preload_content=False, decode_content=False)
                return UpstreamAnswer(url, raw)
            except urllib3.exceptions.ConnectTimeoutError:   # NewConnectionError too: refused, never sent
                continue
            except urllib3.exceptions.ReadTimeoutError as exc:
                raise UpstreamTimeout(f"{self.service} did not answer within {self.timeout[1]}s") from exc
            except urllib3.exceptions.HTTPError as exc:      # dropped after the request was sent
                if method.upper() not in IDEMPOTENT_METHODS:
                    raise UpstreamFailed(f"{self.service} closed the connection without answering") from exc
                continue
        raise NoUpstream(f"no {self.service} instance is reachable")


class UpstreamAnswer:
    """An upstream's answer, its body not read yet: stream it, then `release` (or `abandon` midway)."""

    def __init__(self, url: str, raw: urllib3.BaseHTTPResponse):
        self.url = url
        self.raw = raw

    @property
    def status_code(self) -> int:
        return self.raw.status

    @property
    def headers(self):
        return self.raw.headers

    def stream(self, chunk_size: int):
        return self.raw.stream(chunk_size, decode_content=False)

    def read_all(self) -> bytes:
        """The whole body (for the gateway's own small calls), and the connection back to the pool."""
        try:
            return self.raw.read(decode_content=True)
        finally:
            self.raw.release_conn()

    def release(self) -> None:
        """The body was read to its end: the connection goes back to the pool for the next request."""
        self.raw.release_conn()

    def abandon(self) -> None:
        """The client left midway: the connection, with the rest of the body on it, is closed, not reused."""
        self.raw.close()
        self.raw.release_conn()


def _expand(url: str) -> list[str]:
    if not url.startswith(DNS_SCHEME + "://"):
        return [url]
    parts = urlsplit(url)
    port = parts.port or 80
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return []
    hosts = sorted({info[4][0] for info in infos})
    return [f"http://{'[' + h + ']' if ':' in h else h}:{port}" for h in hosts]
