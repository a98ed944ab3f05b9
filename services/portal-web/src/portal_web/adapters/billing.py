"""billing's customer API for the Invoices and payments pages: `GET /invoices` (one page of the list, the
Show filter and the Property Filter; X-Pagination's `total` is the "M" of "N of M"), `GET /invoices/<id>`,
`POST /invoices/<id>/payments` (with the dialog's `Idempotency-Key`), the saved payment methods, the
email-receipts preference and each property's autopay (`/autopay/<property_id>`).

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
    def __init__(self, status: int, code: str | None = None, detail: str | None = None,
                 errors: dict[str, list[str]] | None = None):
        super().__init__(f"billing answered {status} {code or ''}".strip())
        self.status, self.code, self.detail = status, code, detail
        self.errors = {k: [str(m) for m in v] if isinstance(v, list) else [str(v)]
                       for k, v in (errors or {}).items() if isinstance(k, str)} if isinstance(errors, dict) else {}


@dataclass(frozen=True)
class PaymentAnswer:
    """billing's answer to a payment: 201 paid, 202 accepted (ACH pending, or being checked); `replayed`
    when it is the stored answer of an earlier request with the same key."""
    status: int
    payment: dict
    replayed: bool


class BillingUnavailable(Exception):
    """billing could not be reached, or its answer was not what its API promises."""


@dataclass(frozen=True)
class InvoicePage:
    rows: list[dict]
    total: int          # every invoice the Show and Property Filter match ("M")
    page: int
    total_pages: int


class BillingClient(ServiceClient):
    def __init__(self, url: str, *, connect_timeout: float = 0.5, read_timeout: float = 5.0, pool_size: int = 8,
                 payment_read_timeout: float = 60.0):
        super().__init__(connect_timeout=connect_timeout, read_timeout=read_timeout, pool_size=pool_size)
        self.url = url.rstrip("/")
        # A payment waits for the processor (billing: 35 s, then an inquiry); a lost answer is billing's to resolve.
        self.payment_timeout = (connect_timeout, payment_read_timeout)

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

    def _send(self, method: str, path: str, *, json_body: dict | None = None,
              headers: dict[str, str] | None = None, ok: tuple[int, ...] = (200, 201, 202, 204)) -> requests.Response:
        """A write: never retried (a payment carries its Idempotency-Key, so the customer's retry is safe)."""
        try:
            response = self.session.request(method, f"{self.url}{path}", json=json_body, timeout=self.payment_timeout,
                                            headers={**self.forwarded_headers(), **(headers or {})},
                                            allow_redirects=False)
        except requests.RequestException as exc:
            log.warning("billing_unavailable", path=path, error=type(exc).__name__)
            raise BillingUnavailable(type(exc).__name__) from exc
        if response.status_code >= 500:
            log.warning("billing_failed", path=path, status=response.status_code)
            raise BillingUnavailable(f"status {response.status_code}")
        if response.status_code not in ok:
            body = self._problem(response)
            raise BillingError(response.status_code, body.get("code"), body.get("detail"), body.get("errors"))
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

    # -- payments ------------------------------------------------------------------------------------

    def pay(self, invoice_id: str, *, key: str, amount: str | None, payment_method_id: str | None = None,
            token: str | None = None, expiry: str | None = None) -> PaymentAnswer:
        """Pay (part of) an invoice once per `key`; BillingError(402) with the processor's words when declined."""
        body: dict = {"amount": amount}
        if payment_method_id:
            body["payment_method_id"] = payment_method_id
        else:
            body.update(token=token, expiry=expiry)
        response = self._send("POST", f"/invoices/{self._segment(invoice_id)}/payments", json_body=body,
                              headers={"Idempotency-Key": f'"{key}"'}, ok=(201, 202))
        return PaymentAnswer(response.status_code, self._json(response, dict),
                             response.headers.get("Idempotent-Replayed") == "true")

    def pay_several(self, invoice_ids: list[str], *, key: str, amount: str | None, payment_method_id: str | None = None,
                    token: str | None = None, expiry: str | None = None) -> PaymentAnswer:
        """Pay several invoices with one charge (`POST /payments`, ADR 0022): their full balances, or `amount`
        spread oldest first; once per `key`."""
        body: dict = {"invoices": [{"invoice_id": i} for i in invoice_ids], "amount": amount}
        if payment_method_id:
            body["payment_method_id"] = payment_method_id
        else:
            body.update(token=token, expiry=expiry)
        response = self._send("POST", "/payments", json_body=body, headers={"Idempotency-Key": f'"{key}"'},
                              ok=(201, 202))
        return PaymentAnswer(response.status_code, self._json(response, dict),
                             response.headers.get("Idempotent-Replayed") == "true")

    def payment_methods(self) -> list[dict]:
        """The customer's saved methods, the default first (expired cards flagged)."""
        return [m for m in self._json(self._get("/payment-methods"), list) if isinstance(m, dict)]

    def add_payment_method(self, body: dict) -> dict:
        return self._json(self._send("POST", "/payment-methods", json_body=body), dict)

    def update_payment_method(self, method_id: str, body: dict) -> dict:
        return self._json(self._send("PATCH", f"/payment-methods/{self._segment(method_id)}", json_body=body), dict)

    def make_default(self, method_id: str) -> dict:
        return self._json(self._send("POST", f"/payment-methods/{self._segment(method_id)}/default"), dict)

    def delete_payment_method(self, method_id: str) -> None:
        self._send("DELETE", f"/payment-methods/{self._segment(method_id)}")

    def email_receipts(self) -> bool:
        return bool(self._json(self._get("/payment-preferences"), dict).get("email_receipts"))

    def set_email_receipts(self, enabled: bool) -> bool:
        answer = self._send("PUT", "/payment-preferences", json_body={"email_receipts": enabled})
        return bool(self._json(answer, dict).get("email_receipts"))

    # -- autopay (ADR 0023) ------------------------------------------------------------------------------

    def autopay(self, property_id: str) -> dict:
        """Whether autopay is on for a property the customer sees, the method (theirs only) and `may_enrol`."""
        return self._json(self._get(f"/autopay/{self._segment(property_id)}"), dict)

    def enrol_autopay(self, property_id: str, payment_method_id: str) -> dict:
        """Turn autopay on (or change its method): BillingError 403 (may not pay here) or 422 (the method)."""
        return self._json(self._send("PUT", f"/autopay/{self._segment(property_id)}",
                                     json_body={"payment_method_id": payment_method_id}), dict)

    def cancel_autopay(self, property_id: str) -> None:
        self._send("DELETE", f"/autopay/{self._segment(property_id)}")


def billing() -> BillingClient:
    return current_app.extensions["billing_client"]
