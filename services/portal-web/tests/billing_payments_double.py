"""billing's payments API as the unit tests' billing double answers it (services/billing
entrypoints/payments_api.py): saved payment methods, the email-receipts preference and
`POST /invoices/<id>/payments` with its Idempotency-Key (one stored answer per key: a retry gets it
again, `Idempotent-Replayed: true`; other parameters with a used key are 422). Outcomes are chosen
by the card token's last four digits, as the sandbox chooses them by card number: 0002 declines.
billing's own rules (fees, balances) are not worked out again here: a payment answers the amount sent
(or the invoice's balance) and a fee of 3 % for cards, as the tests' branch settings say.
It also plays billing's autopay API (entrypoints/autopay_api.py): `GET/PUT/DELETE /autopay/<property_id>`
for the customer's properties (`autopay_properties`), 403 where the test says the customer may not pay
(`may_not_pay`), 422 naming `payment_method_id` for an expired or unknown method.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from flask import Flask, Response, request

DECLINE_LAST_FOUR = "0002"
DECLINED = "Your card was declined. Try another card."


@dataclass
class PaymentsState:
    methods: list[dict] = field(default_factory=list)
    email_receipts: bool = False
    keys: dict[str, tuple[str, int, dict]] = field(default_factory=dict)   # key -> (fingerprint, status, body)
    payments: list[dict] = field(default_factory=list)                      # every charge "made"
    requests: list[dict] = field(default_factory=list)
    autopay: dict[str, str] = field(default_factory=dict)                    # property id -> enrolled method id
    autopay_properties: set[str] = field(default_factory=lambda: {"p-1", "p-4"})
    may_not_pay: set[str] = field(default_factory=set)                      # properties where billing says 403
    enrolled_by_other: set[str] = field(default_factory=set)                # on, by another contact
    autopay_refusal: tuple[str, dict] | None = None                         # the next PUT's 422 (detail, errors)

    def reset(self) -> None:
        self.autopay.clear()
        self.may_not_pay.clear()
        self.enrolled_by_other.clear()
        self.autopay_refusal = None
        self.methods[:] = [
            {"id": str(uuid.uuid4()), "kind": "card", "brand": "Mastercard", "last_four": "5454", "expiry": "1229",
             "expired": False, "is_default": True, "accepted": True, "created_at": "2024-01-01T00:00:00Z"},
            {"id": str(uuid.uuid4()), "kind": "card", "brand": "Visa", "last_four": "1111", "expiry": "0124",
             "expired": True, "is_default": False, "accepted": True, "created_at": "2024-01-02T00:00:00Z"},
            {"id": str(uuid.uuid4()), "kind": "ach", "brand": "Checking", "last_four": "6789", "expiry": None,
             "expired": False, "is_default": False, "accepted": True, "created_at": "2024-01-03T00:00:00Z"}]
        self.email_receipts = False
        self.keys.clear()
        self.payments.clear()
        self.requests.clear()


def _problem(status: int, code: str, detail: str, errors: dict | None = None) -> Response:
    body = {"type": f"https://errors.portal.example/{code}", "title": code, "status": status, "code": code,
            "detail": detail, **({"errors": errors} if errors else {})}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def add_payment_routes(app: Flask, state: PaymentsState, *, caller, invoice_of) -> None:
    """`caller()` refuses a request without a customer (None when fine); `invoice_of(id)` is the invoice or None."""

    @app.post("/billing/invoices/<invoice_id>/payments")
    def pay(invoice_id):
        if refused := caller():
            return refused
        body = request.get_json()
        state.requests.append({"invoice_id": invoice_id, "json": body, "key": request.headers.get("Idempotency-Key")})
        invoice = invoice_of(invoice_id)
        if invoice is None:
            return _problem(404, "not_found", "No such invoice.")
        key = (request.headers.get("Idempotency-Key") or "").strip('"')
        if not key:
            return _problem(422, "idempotency_key_missing", "Send an Idempotency-Key header.")
        print_ = json.dumps({"invoice": invoice_id, **body}, sort_keys=True)
        if key in state.keys:
            stored_print, status, stored = state.keys[key]
            if stored_print != print_:
                return _problem(422, "idempotency_key_reused", "This Idempotency-Key was used for another request.")
            return Response(json.dumps(stored), status=status, headers={"Idempotent-Replayed": "true"},
                            mimetype="application/problem+json" if status >= 400 else "application/json")
        method = next((m for m in state.methods if m["id"] == body.get("payment_method_id")), None)
        kind = method["kind"] if method else "card"
        last_four = method["last_four"] if method else (body.get("token") or "")[-4:]
        amount = int(round(float(body["amount"]) * 100)) if body.get("amount") else invoice["balance_cents"]
        if last_four == DECLINE_LAST_FOUR:
            status, answer = 402, {"type": "https://errors.portal.example/payment_declined", "status": 402,
                                   "code": "payment_declined", "title": "Payment declined", "detail": DECLINED}
        else:
            fee = round(amount * 3 / 100) if kind == "card" else 0
            status = 201 if kind == "card" else 202
            answer = {"id": str(uuid.uuid4()), "invoice_id": invoice_id, "method": kind, "amount_cents": amount,
                      "fee_cents": fee, "charged_cents": amount + fee,
                      "status": "succeeded" if kind == "card" else "pending", "message": None,
                      "created_at": "2026-01-01T00:00:00Z"}
            state.payments.append(answer)
        state.keys[key] = (print_, status, answer)
        return Response(json.dumps(answer), status=status,
                        mimetype="application/problem+json" if status >= 400 else "application/json")

    @app.post("/billing/payments")
    def pay_several():
        """billing's `POST /payments` (several invoices, one charge): full balances, or `amount` oldest first."""
        if refused := caller():
            return refused
        body = request.get_json()
        key = (request.headers.get("Idempotency-Key") or "").strip('"')
        state.requests.append({"path": "/payments", "json": body, "key": key})
        found = [invoice_of(str(share["invoice_id"])) for share in body.get("invoices") or []]
        if not found or None in found:
            return _problem(404, "not_found", "No such invoice.")
        print_ = json.dumps(body, sort_keys=True)
        if key in state.keys:
            stored_print, status, stored = state.keys[key]
            if stored_print != print_:
                return _problem(422, "idempotency_key_reused", "This Idempotency-Key was used for another request.")
            return Response(json.dumps(stored), status=status, headers={"Idempotent-Replayed": "true"},
                            mimetype="application/problem+json" if status >= 400 else "application/json")
        method = next((m for m in state.methods if m["id"] == body.get("payment_method_id")), None)
        kind = method["kind"] if method else "card"
        last_four = method["last_four"] if method else (body.get("token") or "")[-4:]
        ordered = sorted(found, key=lambda i: (i["invoice_date"], i["due_date"], i["number"]))
        left = int(round(float(body["amount"]) * 100)) if body.get("amount") else sum(i["balance_cents"] for i in found)
        allocations = []
        for invoice in ordered:
            share = min(left, invoice["balance_cents"])
            if share:
                allocations.append({"invoice_id": invoice["id"], "invoice_number": invoice["number"],
                                    "amount_cents": share})
            left -= share
        amount = sum(a["amount_cents"] for a in allocations)
        if last_four == DECLINE_LAST_FOUR:
            status, answer = 402, {"type": "https://errors.portal.example/payment_declined", "status": 402,
                                   "code": "payment_declined", "title": "Payment declined", "detail": DECLINED}
        else:
            fee = round(amount * 3 / 100) if kind == "card" else 0
            status = 201 if kind == "card" else 202
            answer = {"id": str(uuid.uuid4()), "invoice_id": ordered[0]["id"], "method": kind, "amount_cents": amount,
                      "fee_cents": fee, "charged_cents": amount + fee,
                      "status": "succeeded" if kind == "card" else "pending", "message": None,
                      "created_at": "2026-01-01T00:00:00Z", "allocations": allocations}
            state.payments.append(answer)
        state.keys[key] = (print_, status, answer)
        return Response(json.dumps(answer), status=status,
                        mimetype="application/problem+json" if status >= 400 else "application/json")

    @app.get("/billing/payment-methods")
    def methods():
        if refused := caller():
            return refused
        return Response(json.dumps(state.methods), mimetype="application/json")

    @app.post("/billing/payment-methods")
    def add_method():
        if refused := caller():
            return refused
        body = request.get_json()
        state.requests.append({"path": "/payment-methods", "json": body})
        if body["kind"] == "ach":
            routing, _, account = body["account"].partition("/")
            if routing == "123456789":
                return _problem(422, "validation_failed", "Some fields are invalid: account", {"account": [
                    "That routing number is not valid; check it on a cheque or with your bank."]})
            method = {"kind": "ach", "brand": "Checking", "last_four": account[-4:], "expiry": None}
        else:
            method = {"kind": "card", "brand": "Visa", "last_four": body["token"][-4:], "expiry": body["expiry"]}
        if body.get("make_default"):
            for m in state.methods:
                m["is_default"] = False
        method.update(id=str(uuid.uuid4()), expired=False, is_default=bool(body.get("make_default")), accepted=True,
                      created_at="2026-01-01T00:00:00Z")
        state.methods.append(method)
        return Response(json.dumps(method), status=201, mimetype="application/json")

    def _mine(method_id):
        return next((m for m in state.methods if m["id"] == method_id), None)

    @app.route("/billing/payment-methods/<method_id>", methods=["PATCH", "DELETE"])
    def change_method(method_id):
        if refused := caller():
            return refused
        method = _mine(method_id)
        if method is None:
            return _problem(404, "not_found", "No such payment method.")
        if request.method == "DELETE":
            state.methods.remove(method)
            return Response(status=204)
        method.update({k: v for k, v in request.get_json().items() if v is not None})
        return method

    @app.post("/billing/payment-methods/<method_id>/default")
    def default(method_id):
        if refused := caller():
            return refused
        method = _mine(method_id)
        if method is None:
            return _problem(404, "not_found", "No such payment method.")
        for m in state.methods:
            m["is_default"] = m is method
        return method

    @app.route("/billing/payment-preferences", methods=["GET", "PUT"])
    def preferences():
        if refused := caller():
            return refused
        if request.method == "PUT":
            state.email_receipts = bool(request.get_json()["email_receipts"])
        return {"email_receipts": state.email_receipts}


def add_autopay_routes(app: Flask, state: PaymentsState, *, caller) -> None:
    """billing's `/autopay/<property_id>` as it answers the signed-in customer."""

    def view(property_id: str) -> dict:
        method_id = state.autopay.get(property_id)
        method = next((m for m in state.methods if m["id"] == method_id), None)
        by_other = property_id in state.enrolled_by_other
        return {"property_id": property_id, "enrolled": method_id is not None or by_other,
                "enrolled_by_you": method_id is not None, "enrolled_on": "2026-01-01" if method_id or by_other else None,
                "may_enrol": property_id not in state.may_not_pay,
                "payment_method": {k: method[k] for k in ("id", "kind", "brand", "last_four", "expiry")}
                if method else None}

    @app.route("/billing/autopay/<property_id>", methods=["GET", "PUT", "DELETE"])
    def autopay(property_id):
        if refused := caller():
            return refused
        if property_id not in state.autopay_properties:
            return _problem(404, "not_found", "No such property.")
        if request.method == "GET":
            return view(property_id)
        state.requests.append({"path": f"/autopay/{property_id}", "method": request.method,
                               "json": request.get_json(silent=True)})
        if property_id in state.may_not_pay:
            return _problem(403, "may_not_pay", "Your role on this property does not allow you to pay invoices.")
        if request.method == "DELETE":
            state.autopay.pop(property_id, None)
            state.enrolled_by_other.discard(property_id)
            return Response(status=204)
        if state.autopay_refusal is not None:
            (detail, errors), state.autopay_refusal = state.autopay_refusal, None
            return _problem(422, "payment_type_not_accepted", detail, errors)
        method_id = (request.get_json(silent=True) or {}).get("payment_method_id")
        method = next((m for m in state.methods if m["id"] == method_id), None)
        if method is None:
            return _problem(422, "validation_failed", "No such saved payment method.",
                            {"payment_method_id": ["Not one of yours."]})
        if method["expired"]:
            return _problem(422, "validation_failed", "That card has expired; update its expiry or choose another.",
                            {"payment_method_id": ["This card has expired."]})
        state.autopay[property_id] = method_id
        state.enrolled_by_other.discard(property_id)
        return view(property_id)
