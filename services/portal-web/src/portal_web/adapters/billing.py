"""billing's customer API for the Invoices and payments pages: `GET /invoices` (one page of the list, the
Show filter and the Property Filter; X-Pagination's `total` is the "M" of "N of M"), `GET /invoices/<id>`,
`POST /invoices/<id>/payments` (with the dialog's `Idempotency-Key`), the saved payment methods, the
email-receipts preference and each property's autopay (`/autopay/<property_id>`).

Like the summaries, each call forwards the gateway's identity token (billing decides what the customer
may see and whether they may pay); unlike them, a page needs the answer, so a failure is an error the
view turns into a page: `BillingError` for billing's refusal (404: not one of the customer's invoices),
`BillingUnavailable` when it cannot be reached or answers garbage. Nothing is retried. The plumbing is
`adapters.feature_api`'s; writes wait longer (a payment waits for the processor).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from portal_web.adapters.feature_api import FeatureApiClient, FeatureApiError, FeatureApiUnavailable, Page

InvoicePage = Page
WRITE_OK = (200, 201, 202, 204)


class BillingError(FeatureApiError):
    service = "billing"


class BillingUnavailable(FeatureApiUnavailable):
    """billing could not be reached, or its answer was not what its API promises."""


@dataclass(frozen=True)
class PaymentAnswer:
    """billing's answer to a payment: 201 paid, 202 accepted (ACH pending, or being checked); `replayed`
    when it is the stored answer of an earlier request with the same key."""
    status: int
    payment: dict
    replayed: bool


class BillingClient(FeatureApiClient):
    service = "billing"
    Error = BillingError
    Unavailable = BillingUnavailable

    def _send(self, method: str, path: str, *, json_body: dict | None = None,
              headers: dict[str, str] | None = None, ok: tuple[int, ...] = WRITE_OK):
        """A write: never retried (a payment carries its Idempotency-Key, so the customer's retry is safe). It
        waits for the processor (billing: 35 s, then an inquiry); a lost answer is billing's to resolve."""
        return self.call(method, path, expect=ok, headers=headers, timeout=self.slow_timeout, json=json_body)

    def _get_json(self, path: str, kind: type):
        return self._json(self.call("GET", path), kind)

    def _pay(self, path: str, body: dict, *, key: str, payment_method_id: str | None, token: str | None,
             expiry: str | None) -> PaymentAnswer:
        if payment_method_id:
            body["payment_method_id"] = payment_method_id
        else:
            body.update(token=token, expiry=expiry)
        response = self._send("POST", path, json_body=body, headers={"Idempotency-Key": f'"{key}"'}, ok=(201, 202))
        return PaymentAnswer(response.status_code, self._json(response, dict),
                             response.headers.get("Idempotent-Replayed") == "true")

    def invoices(self, *, show: str, page: int, property_ids: list[str] | None) -> InvoicePage:
        """One page of the customer's invoices, newest invoice date first."""
        return self.page("/invoices", show=show, page=page, property_ids=property_ids)

    def invoice(self, invoice_id: str) -> dict:
        """One invoice in detail (with `may_pay`); BillingError(404) when it is not the customer's."""
        return self.one("/invoices", invoice_id)

    # -- payments ------------------------------------------------------------------------------------

    def pay(self, invoice_id: str, *, key: str, amount: str | None, payment_method_id: str | None = None,
            token: str | None = None, expiry: str | None = None) -> PaymentAnswer:
        """Pay (part of) an invoice once per `key`; BillingError(402) with the processor's words when declined."""
        return self._pay(f"/invoices/{self._segment(invoice_id)}/payments", {"amount": amount}, key=key,
                         payment_method_id=payment_method_id, token=token, expiry=expiry)

    def pay_several(self, invoice_ids: list[str], *, key: str, amount: str | None, payment_method_id: str | None = None,
                    token: str | None = None, expiry: str | None = None) -> PaymentAnswer:
        """Pay several invoices with one charge (`POST /payments`, ADR 0022): their full balances, or `amount`
        spread oldest first; once per `key`."""
        body: dict = {"invoices": [{"invoice_id": i} for i in invoice_ids], "amount": amount}
        return self._pay("/payments", body, key=key, payment_method_id=payment_method_id, token=token, expiry=expiry)

    def payment_methods(self) -> list[dict]:
        """The customer's saved methods, the default first (expired cards flagged)."""
        return [m for m in self._get_json("/payment-methods", list) if isinstance(m, dict)]

    def add_payment_method(self, body: dict) -> dict:
        return self._json(self._send("POST", "/payment-methods", json_body=body), dict)

    def update_payment_method(self, method_id: str, body: dict) -> dict:
        return self._json(self._send("PATCH", f"/payment-methods/{self._segment(method_id)}", json_body=body), dict)

    def make_default(self, method_id: str) -> dict:
        return self._json(self._send("POST", f"/payment-methods/{self._segment(method_id)}/default"), dict)

    def delete_payment_method(self, method_id: str) -> None:
        self._send("DELETE", f"/payment-methods/{self._segment(method_id)}")

    def email_receipts(self) -> bool:
        return bool(self._get_json("/payment-preferences", dict).get("email_receipts"))

    def set_email_receipts(self, enabled: bool) -> bool:
        answer = self._send("PUT", "/payment-preferences", json_body={"email_receipts": enabled})
        return bool(self._json(answer, dict).get("email_receipts"))

    # -- autopay (ADR 0023) ------------------------------------------------------------------------------

    def autopay(self, property_id: str) -> dict:
        """Whether autopay is on for a property the customer sees, the method (theirs only) and `may_enrol`."""
        return self._get_json(f"/autopay/{self._segment(property_id)}", dict)

    def enrol_autopay(self, property_id: str, payment_method_id: str) -> dict:
        """Turn autopay on (or change its method): BillingError 403 (may not pay here) or 422 (the method)."""
        return self._json(self._send("PUT", f"/autopay/{self._segment(property_id)}",
                                     json_body={"payment_method_id": payment_method_id}), dict)

    def cancel_autopay(self, property_id: str) -> None:
        self._send("DELETE", f"/autopay/{self._segment(property_id)}")


def billing() -> BillingClient:
    return current_app.extensions["billing_client"]
