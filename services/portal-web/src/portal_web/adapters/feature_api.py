"""What a section's adapter of a feature service's customer API shares (billing, proposals, requests, visits):
one page of a list (the Show filter and the Property Filter;
X-Pagination's `total` is the "M" of "N of M"), one record by id, and any other call of the service's
JSON API (`call`, e.g. visits's calendar feed: POST answers 201, DELETE 204; a write may carry a JSON or
multipart body, extra headers such as billing's `Idempotency-Key` and a longer timeout).

Like the summaries, each call forwards the gateway's identity token (the service decides what the
customer may see and do); unlike them, a page needs the answer, so a failure is an error the view
turns into a page: the class's `Error` for the service's refusal (404: not the customer's; 422: `errors`,
each field's messages), its `Unavailable` when it cannot be reached or answers garbage. Nothing is retried.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import requests

from portal_shared.logging import get_logger
from portal_web.adapters.http import ServiceClient

log = get_logger(__name__)
PAGE_SIZE = 20


class FeatureApiError(Exception):
    service = "feature"

    def __init__(self, status: int, code: str | None = None, detail: str | None = None,
                 errors: dict[str, list[str]] | None = None):
        super().__init__(f"{self.service} answered {status} {code or ''}".strip())
        self.status, self.code, self.detail = status, code, detail
        # problem+json's field messages, each a list of strings (whatever shape the service sent).
        self.errors = {k: [str(m) for m in v] if isinstance(v, list) else [str(v)]
                       for k, v in errors.items() if isinstance(k, str)} if isinstance(errors, dict) else {}


class FeatureApiUnavailable(Exception):
    """The service could not be reached, or its answer was not what its API promises."""


@dataclass(frozen=True)
class Page:
    rows: list[dict]
    total: int          # every record the Show and Property Filter match ("M")
    page: int
    total_pages: int


class FeatureApiClient(ServiceClient):
    service = "feature"
    Error: type[FeatureApiError] = FeatureApiError
    Unavailable: type[FeatureApiUnavailable] = FeatureApiUnavailable

    def __init__(self, url: str, *, connect_timeout: float = 0.5, read_timeout: float = 5.0, pool_size: int = 8,
                 slow_read_timeout: float = 60.0):
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.url = url.rstrip("/")
        # For the calls that wait longer: billing's payments (the processor), requests's uploads.
        self.slow_timeout = (connect_timeout, slow_read_timeout)

    def call(self, method: str, path: str, params: list[tuple[str, str]] | None = None,
             expect: tuple[int, ...] = (200,), *, headers: dict[str, str] | None = None,
             timeout: tuple[float, float] | None = None, **body) -> requests.Response:
        """`method` `path` on the customer's behalf (`body`: requests' `json`, `data`, `files`): the class's
        Error for a refusal (an answer not in `expect`), its Unavailable for no answer or a 5xx."""
        try:
            response = self.session.request(method, f"{self.url}{path}", params=params,
                                            headers={**self.forwarded_headers(), **(headers or {})},
                                            timeout=timeout or self.timeout, allow_redirects=False, **body)
        except requests.RequestException as exc:
            log.warning("feature_api_unavailable", service=self.service, path=path, error=type(exc).__name__)
            raise self.Unavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            log.warning("feature_api_failed", service=self.service, path=path, status=response.status_code)
            raise self.Unavailable(f"status {response.status_code}")
        if response.status_code not in expect:
            body = self._problem(response)
            raise self.Error(response.status_code, body.get("code"), body.get("detail"), body.get("errors"))
        return response

    def _json(self, response: requests.Response, kind: type):
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, kind):
            raise self.Unavailable(f"not the JSON {self.service}'s API promises")
        return data

    def page(self, path: str, *, show: str, page: int, property_ids: list[str] | None) -> Page:
        """One page of the customer's list at `path`."""
        params = [("show", show), ("page", str(page)), ("page_size", str(PAGE_SIZE)),
                  *(("property_id", p) for p in property_ids or [])]
        response = self.call("GET", path, params)
        rows = self._json(response, list)
        try:
            paging = json.loads(response.headers.get("X-Pagination") or "{}")
        except ValueError:
            paging = {}
        total = paging.get("total") if isinstance(paging, dict) else None
        total = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else len(rows)
        return Page(rows=[r for r in rows if isinstance(r, dict)], total=total, page=page,
                    total_pages=max(1, -(-total // PAGE_SIZE)))

    def one(self, path: str, record_id: str) -> dict:
        """`<path>/<id>` in detail; the class's Error(404) when it is not the customer's."""
        return self._json(self.call("GET", f"{path}/{self._segment(record_id)}"), dict)
