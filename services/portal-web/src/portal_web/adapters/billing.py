"""billing's customer API for the Invoices pages: `GET /invoices` (one page of the list, the Show
filter and the Property Filter; X-Pagination's `total` is the "M" of "N of M") and `GET /invoices/<id>`.

Like the summaries, each call forwards the gateway's identity token (billing decides what the customer
may see and whether they may pay); unlike them, a page needs the answer, so a failure is an error the
view turns into a page: `BillingError` for billing's refusal (404: not one of the customer's invoices),
`BillingUnavailable` when it cannot be reached or answers garbage. Nothing is retried.
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


class BillingError(Exception):
    def __init__(self, status: int, code: str | None = None, detail: str | None = None):
        super().__init__(f"billing answered {status} {code or ''}".strip())
        self.status, self.code, self.detail = status, code, detail


class BillingUnavailable(Exception):
    """billing could not be reached, or its answer was not what its API promises."""


@dataclass(frozen=True)
class InvoicePage:
    rows: list[dict]
    total: int          # every invoice the Show and Property Filter match ("M")
    page: int
    total_pages: int


class BillingClient(ServiceClient):
    def __init__(self, url: str, *, connect_timeout: float = 0.5, read_timeout: float = 5.0, pool_size: int = 8):
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.url = url.rstrip("/")

    def _get(self, path: str, params: list[tuple[str, str]] | None = None) -> requests.Response:
        try:
            response = self.session.get(f"{self.url}{path}", params=params, headers=self.forwarded_headers(),
                                        timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as exc:
            log.warning("billing_unavailable", path=path, error=type(exc).__name__)
            raise BillingUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            log.warning("billing_failed", path=path, status=response.status_code)
            raise BillingUnavailable(f"status {response.status_code}")
        if response.status_code != 200:
            body = self._problem(response)
            raise BillingError(response.status_code, body.get("code"), body.get("detail"))
        return response

    @staticmethod
    def _json(response: requests.Response, kind: type):
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, kind):
            raise BillingUnavailable("not the JSON billing's API promises")
        return data

    def invoices(self, *, show: str, page: int, property_ids: list[str] | None) -> InvoicePage:
        """One page of the customer's invoices, newest invoice date first."""
        params = [("show", show), ("page", str(page)), ("page_size", str(PAGE_SIZE)),
                  *(("property_id", p) for p in property_ids or [])]
        response = self._get("/invoices", params)
        rows = self._json(response, list)
        try:
            paging = json.loads(response.headers.get("X-Pagination") or "{}")
        except ValueError:
            paging = {}
        total = paging.get("total") if isinstance(paging, dict) else None
        total = total if isinstance(total, int) and not isinstance(total, bool) else len(rows)
        total_pages = max(1, -(-total // PAGE_SIZE))
        return InvoicePage(rows=[r for r in rows if isinstance(r, dict)], total=total, page=page,
                           total_pages=total_pages)

    def invoice(self, invoice_id: str) -> dict:
        """One invoice in detail (with `may_pay`); BillingError(404) when it is not the customer's."""
        return self._json(self._get(f"/invoices/{self._segment(invoice_id)}"), dict)


def billing() -> BillingClient:
    return current_app.extensions["billing_client"]
