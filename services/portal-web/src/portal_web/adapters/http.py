"""What every adapter of a service's HTTP API shares: the pooled session, the forwarded headers,
path segments and problem+json bodies. Each adapter keeps its own errors, retries and timeouts.
"""
from __future__ import annotations

import json
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


class ServiceRefused(Exception):
    """The service answered with a refusal (4xx): its status, problem code and detail."""

    def __init__(self, service: str, status: int, code: str | None = None, detail: str | None = None):
        super().__init__(f"{service} answered {status} {code or ''}".strip())
        self.status, self.code, self.detail = status, code, detail


class ServiceUnavailable(Exception):
    """The service could not be reached, or its answer was not what its API promises."""


class JsonServiceClient(ServiceClient):
    """A client of one service's JSON API on behalf of the page being rendered: a refusal is
    `ServiceRefused`, anything else that is not the promised answer `ServiceUnavailable`. Nothing is retried."""

    service = "service"

    def __init__(self, url: str, *, connect_timeout: float = 0.5, read_timeout: float = 5.0, pool_size: int = 8):
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.url = url.rstrip("/")

    def call(self, method: str, path: str, params: list[tuple[str, str]] | None = None,
             expect: tuple[int, ...] = (200,)) -> requests.Response:
        try:
            response = self.session.request(method, f"{self.url}{path}", params=params,
                                            headers=self.forwarded_headers(), timeout=self.timeout,
                                            allow_redirects=False)
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"{self.service}: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            raise ServiceUnavailable(f"{self.service}: status {response.status_code}")
        if response.status_code not in expect:
            body = self._problem(response)
            raise ServiceRefused(self.service, response.status_code, body.get("code"), body.get("detail"))
        return response

    def json_of(self, response: requests.Response, kind: type):
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, kind):
            raise ServiceUnavailable(f"{self.service}: not the JSON its API promises")
        return data

    @staticmethod
    def total_of(response: requests.Response, default: int) -> int:
        """X-Pagination's `total` (flask-smorest), or `default` when it is missing or not a count."""
        try:
            paging = json.loads(response.headers.get("X-Pagination") or "{}")
        except ValueError:
            paging = {}
        total = paging.get("total") if isinstance(paging, dict) else None
        return total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else default
