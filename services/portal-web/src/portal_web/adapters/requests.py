"""requests's customer API for the Requests pages: `GET /requests` (one page of the list, Show Open or Closed and
the Property Filter; X-Pagination's `total` is the "M" of "N of M"), `GET /requests/<id>`, and the two forms
(`POST /requests`, `POST /requests/<id>/comments`), whose files are passed on as they came (multipart).

Each call forwards the gateway's identity token: requests decides what the customer may see, create and
comment on, and checks every attachment. `RequestsError` is its refusal (404: not one of the customer's
requests; 422: the fields it names, an attachment's message naming the file); `RequestsUnavailable` when it
cannot be reached or answers garbage. Nothing is retried: creating is not idempotent.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import requests
from flask import current_app

from portal_shared.logging import get_logger
from portal_web.adapters.http import ServiceClient

log = get_logger(__name__)
PAGE_SIZE = 20


class RequestsError(Exception):
    def __init__(self, status: int, code: str | None = None, detail: str | None = None,
                 errors: dict | None = None):
        super().__init__(f"requests answered {status} {code or ''}".strip())
        self.status, self.code, self.detail = status, code, detail
        self.errors = errors if isinstance(errors, dict) else {}


class RequestsUnavailable(Exception):
    """requests could not be reached, or its answer was not what its API promises."""


@dataclass(frozen=True)
class RequestPage:
    rows: list[dict]
    total: int          # every request the Show and Property Filter match ("M")
    page: int
    total_pages: int


@dataclass(frozen=True)
class Attachment:
    filename: str
    stream: object
    content_type: str


class RequestsClient(ServiceClient):
    def __init__(self, url: str, *, connect_timeout: float = 0.5, read_timeout: float = 5.0, pool_size: int = 8,
                 upload_timeout: float = 60.0):
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.url = url.rstrip("/")
        self.upload_timeout = upload_timeout

    def _call(self, method: str, path: str, *, expect: int = 200, timeout=None, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, f"{self.url}{path}", headers=self.forwarded_headers(),
                                            timeout=timeout or self.timeout, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            log.warning("requests_unavailable", path=path, error=type(exc).__name__)
            raise RequestsUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            log.warning("requests_failed", path=path, status=response.status_code)
            raise RequestsUnavailable(f"status {response.status_code}")
        if response.status_code != expect:
            body = self._problem(response)
            raise RequestsError(response.status_code, body.get("code"), body.get("detail"), body.get("errors"))
        return response

    @staticmethod
    def _json(response: requests.Response, kind: type):
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, kind):
            raise RequestsUnavailable("not the JSON requests's API promises")
        return data

    def requests(self, *, show: str, page: int, property_ids: list[str] | None) -> RequestPage:
        """One page of the customer's requests (Open: newest first; Closed: latest completed first)."""
        params = [("show", show), ("page", str(page)), ("page_size", str(PAGE_SIZE)),
                  *(("property_id", p) for p in property_ids or [])]
        response = self._call("GET", "/requests", params=params)
        rows = self._json(response, list)
        try:
            paging = json.loads(response.headers.get("X-Pagination") or "{}")
        except ValueError:
            paging = {}
        total = paging.get("total") if isinstance(paging, dict) else None
        total = total if isinstance(total, int) and not isinstance(total, bool) else len(rows)
        return RequestPage(rows=[r for r in rows if isinstance(r, dict)], total=total, page=page,
                           total_pages=max(1, -(-total // PAGE_SIZE)))

    def request(self, request_id: str) -> dict:
        """One request in detail; RequestsError(404) when it is not the customer's."""
        return self._json(self._call("GET", f"/requests/{self._segment(request_id)}"), dict)

    @staticmethod
    def _files(attachments: list[Attachment]) -> list[tuple]:
        return [("attachments", (a.filename, a.stream, a.content_type)) for a in attachments]

    def create(self, fields: dict[str, str], attachments: list[Attachment]) -> dict:
        """Add New Request; RequestsError(422) names the refused field or file."""
        return self._json(self._call("POST", "/requests", expect=201, data=fields, files=self._files(attachments),
                                     timeout=(self.timeout[0], self.upload_timeout)), dict)

    def comment(self, request_id: str, text: str, attachments: list[Attachment]) -> dict:
        """Add Comment; RequestsError(404) when not the customer's, (422) naming the refused field or file."""
        return self._json(self._call("POST", f"/requests/{self._segment(request_id)}/comments", expect=201,
                                     data={"text": text}, files=self._files(attachments),
                                     timeout=(self.timeout[0], self.upload_timeout)), dict)


def requests_api() -> RequestsClient:
    return current_app.extensions["requests_client"]
