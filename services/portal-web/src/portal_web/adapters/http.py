"""What every adapter of a service's HTTP API shares: the pooled session, the forwarded headers,
path segments and problem+json bodies. Each adapter keeps its own errors, retries and timeouts.
"""
from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

import requests
from flask import g, has_request_context, request

from portal_shared.http_client import pooled_session
from portal_shared.identity_token import HEADER as IDENTITY_HEADER

REQUEST_ID_HEADER = "X-Request-ID"


def forwarded_headers() -> dict[str, str]:
    """The gateway's identity token and the request id, for every call made on behalf of this request."""
    headers = {"Accept": "application/json"}
    if has_request_context():
        token = request.headers.get(IDENTITY_HEADER)
        if token:
            headers[IDENTITY_HEADER] = token
        request_id = request.headers.get(REQUEST_ID_HEADER) or g.get("request_id")
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
    return headers


def problem_body(response: requests.Response) -> dict[str, Any]:
    """The problem+json body of an answer, or {} when it has none (or it is not an object)."""
    try:
        parsed = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


class ServiceClient:
    """A client of one service (or, for summaries, several): timeouts and a pooled `requests.Session`."""

    def __init__(self, *, connect_timeout: float, read_timeout: float, pool_size: int):
        self.timeout = (connect_timeout, read_timeout)
        self.pool_size = pool_size
        self._session: requests.Session | None = None
        self._lazy_lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        # Built on first use, so a worker forked after the app was built gets its own pool.
        if self._session is None:
            with self._lazy_lock:
                if self._session is None:
                    self._session = pooled_session(pool_maxsize=self.pool_size)
        return self._session

    forwarded_headers = staticmethod(forwarded_headers)
    _problem = staticmethod(problem_body)

    @staticmethod
    def _segment(value: str) -> str:
        """A path segment taken from a URL the visitor typed: encoded, so it cannot change the path."""
        return quote(str(value), safe="")
