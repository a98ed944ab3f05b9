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

import requests
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
        # Never a plain requests.Session: its cookie jar would pass one user's cookies to the next.
        self.session = pooled_session(pool_maxsize=32)

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

    def send(self, method: str, path: str, *, query: str, headers: dict[str, str], body: bytes | None,
             stream: bool = True) -> requests.Response:
        for base in self.ordered():
            url = f"{base}{path}" + (f"?{query}" if query else "")
            try:
                return self.session.request(method, url, headers=headers, data=body, timeout=self.timeout,
                                            allow_redirects=False, stream=stream)
            except requests.exceptions.ConnectTimeout:
                continue
            except requests.exceptions.ReadTimeout as exc:
                raise UpstreamTimeout(f"{self.service} did not answer within {self.timeout[1]}s") from exc
            except requests.exceptions.ConnectionError as exc:
                if method.upper() not in IDEMPOTENT_METHODS and not _never_sent(exc):
                    raise UpstreamFailed(f"{self.service} closed the connection without answering") from exc
                continue
        raise NoUpstream(f"no {self.service} instance is reachable")


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """The connection was never made (refused, name not resolved), so the upstream saw nothing."""
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


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
