"""A signed-in customer pays an invoice by card or from a saved bank account (ACH), exactly once per
Idempotency-Key, never below a zero balance.

Three short transactions around one processor call, so no database lock is held while the processor
thinks (up to its 35 s read timeout):

1. claim: the Idempotency-Key is inserted with the request's fingerprint (a concurrent request with the
   same key waits on the key's primary key, then finds it taken); the invoice row is locked
   (`FOR UPDATE`), who may pay is checked (`customer_invoice`'s `may_pay`, the invoice's Billing contact
   or `pay` on its property), the amount checked against the balance, and a `processing` payment
   inserted: from this commit on it holds its amount against the balance, so a second payment that
   would take the balance below zero is refused while the first is still at the processor;
2. charge: `charging.charge_card` (or `debit_bank_account` for ACH) with the payment's id as the
   processor's order id (a lost answer is inquired, never charged again);
3. record: the payment becomes `succeeded` (and `payment_succeeded` is written to the outbox),
   `declined` (its hold released: nothing changed), `pending` (an ACH debit, held until its bank
   settles or returns it), or `unknown` (the charge's answer and its inquiry were both lost; the
   amount stays held until it is resolved), and the answer is stored with the key. The worker's
   `loop:payments` (`resolve_payments`) finishes what a request could not.

A failure in step 1 rolls the key back with everything else: fixing the request and retrying with the
same key is allowed. Once the key is committed, the same key answers the same way: the stored answer
(a retry, a double click), 409 while the first request is still in flight, 422 for other parameters.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from portal_billing.adapters.orm import (
    PAYMENT_MESSAGE_LENGTH, PROCESSOR_REF_LENGTH, idempotency_keys, invoices, payment_methods, payments, properties,
)
from portal_billing.adapters.processor import AbstractProcessor, Approved, Declined, Pending
from portal_billing.domain import invoices as rules
from portal_billing.domain.fees import ACH, CARD, convenience_fee_cents
from portal_billing.domain.payment_methods import expired
from portal_billing.service_layer.charging import (
    Returned, Unresolved, charge_card, debit_bank_account, inquire_debit, resolve_unknown_charge,
)
from portal_billing.service_layer.invoices import customer_invoice
from portal_billing.service_layer.payment_settings import payment_rules
from portal_billing.service_layer.receipts import receipt_fields
from portal_shared.access.guard import Customer
from portal_shared.bus.outbox import record_event
from portal_shared.db import Database
from portal_shared.errors import ApiError, Conflict, Forbidden, NotFound, ValidationFailed
from portal_shared.events import make_event
from portal_shared.money import dollars

log = logging.getLogger(__name__)

MINIMUM_PAYMENT_CENTS = 100
UNKNOWN_MESSAGE = "The processor's answer was lost; we are checking with it."
PENDING_MESSAGE = "Your bank payment is on its way; it usually settles within a few business days."


class PaymentDeclined(ApiError):
    status, code, title = 402, "payment_declined", "Payment declined"


@dataclass(frozen=True)
class CardSource:
    """What to charge: a tokenizer token with its MMYY expiry (card data never reaches billing)."""
    token: str
    expiry: str


@dataclass(frozen=True)
class SavedMethod:
    """One of the customer's saved payment methods (service_layer/payment_methods.py)."""
    method_id: str


@dataclass(frozen=True)
class Answer:
    """The HTTP answer to a payment request, stored with its Idempotency-Key and replayed to a retry."""
    status: int
    body: dict[str, Any]
    replayed: bool = False


def fingerprint(invoice_id: str, request: dict[str, Any]) -> str:
    """The request's parameters, canonically: the same key with other parameters is refused."""
    canonical = json.dumps({"invoice_id": invoice_id, **request}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _problem(error: ApiError) -> dict[str, Any]:
    body = {"type": f"https://errors.portal.example/{error.code}", "title": error.title, "status": error.status,
            "code": error.code}
    if error.detail:
        body["detail"] = error.detail
    return body


def _amount_cents(amount: Decimal | None, *, balance_cents: int, partial_allowed: bool) -> int:
    """The full balance (no amount, or the balance itself), or another amount when the branch allows it."""
    if balance_cents <= 0:
        raise ValidationFailed("This invoice has nothing left to pay.", code="nothing_due",
                               errors={"amount": ["This invoice has nothing left to pay."]})
    if amount is None:
        return balance_cents
    cents = rules.cents(amount)
    if cents == balance_cents:
        return cents
    if not partial_allowed:
        raise ValidationFailed("Pay the full balance: this branch does not take partial payments.",
                               errors={"amount": [f"Must be the full balance ({dollars(balance_cents)})."]})
    if cents < MINIMUM_PAYMENT_CENTS:
        raise ValidationFailed("A payment is at least $1.00.", errors={"amount": ["Must be at least 1.00."]})
    if cents > balance_cents:
        raise ValidationFailed("That is more than the balance.",
                               errors={"amount": [f"Must be at most the balance ({dollars(balance_cents)})."]})
    return cents


@dataclass(frozen=True)
class BankSource:
    """A saved bank account: CardSecure's token of "routing/account"."""
    token: str


def _source(session, *, customer: Customer, source: CardSource | SavedMethod) -> tuple[str, CardSource | BankSource]:
    """(card | ach, what to charge): as sent, or the customer's saved method (never another contact's)."""
    if isinstance(source, CardSource):
        return CARD, source
    row = session.execute(sa.select(payment_methods).where(
        payment_methods.c.tenant_id == customer.tenant_id, payment_methods.c.contact_id == customer.contact_id,
        payment_methods.c.id == source.method_id)).first()
    if row is None:
        raise ValidationFailed("No such saved payment method.", errors={"payment_method_id": ["Not one of yours."]})
    if row.kind == ACH:
        return ACH, BankSource(token=row.token)
    if expired(row.expiry or "", datetime.now(UTC).date()):
        raise ValidationFailed("That card has expired; update its expiry or choose another.",
                               errors={"payment_method_id": ["This card has expired."]})
    return CARD, CardSource(token=row.token, expiry=row.expiry)


def _claim(db: Database, *, customer: Customer, invoice_id: str, key: str, print_: str,
           amount: Decimal | None, source: CardSource | SavedMethod) -> Answer | dict[str, Any]:
    """Step 1: the key, the lock, the rules, the held payment. An Answer when the key was used before."""
    with db.unit_of_work() as session:
        claimed = session.execute(pg_insert(idempotency_keys).values(
            tenant_id=customer.tenant_id, contact_id=customer.contact_id, key=key, fingerprint=print_,
        ).on_conflict_do_nothing().returning(idempotency_keys.c.key)).first()
        if claimed is None:
            used = session.execute(sa.select(idempotency_keys).where(
                idempotency_keys.c.tenant_id == customer.tenant_id,
                idempotency_keys.c.contact_id == customer.contact_id, idempotency_keys.c.key == key)).one()
            if used.fingerprint != print_:
                raise ValidationFailed("This Idempotency-Key was used for another request; use a new key.",
                                       code="idempotency_key_reused",
                                       errors={"Idempotency-Key": ["Used before with other parameters."]})
            if used.status_code is None:
                raise Conflict("A payment with this Idempotency-Key is still being processed; try again shortly.",
                               code="payment_in_progress")
            return Answer(used.status_code, used.response, replayed=True)

        # The lock that serialises payments of one invoice (and only of it); another tenant's id locks nothing.
        locked = session.scalar(sa.select(invoices.c.id).where(
            invoices.c.tenant_id == customer.tenant_id, invoices.c.id == invoice_id).with_for_update())
        if locked is None:
            raise NotFound("No such invoice.")
        invoice = customer_invoice(session, customer=customer, invoice_id=invoice_id)   # 404 if not theirs
        if not invoice["may_pay"]:
            raise Forbidden("Only the invoice's billing contact, or a contact who may pay for its property, "
                            "can pay it.", code="may_not_pay")
        branch = payment_rules(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id)
        method, charge_source = _source(session, customer=customer, source=source)
        if not branch.accepts(method):
            words = "card" if method == CARD else "bank account (ACH)"
            raise ValidationFailed(f"This branch does not take {words} payments.", code="payment_type_not_accepted",
                                   errors={"payment_method_id": [f"{words.capitalize()} payments are not accepted."]})
        amount_cents = _amount_cents(amount, balance_cents=invoice["balance_cents"],
                                     partial_allowed=branch.partial_payments)
        # The convenience fee is a card's only (domain.fees: 0 for ACH, whatever the setting).
        fee_cents = convenience_fee_cents(amount_cents, method, branch.card_convenience_fee_percent)
        payment_id = str(uuid.uuid4())
        session.execute(payments.insert().values(
            id=payment_id, tenant_id=customer.tenant_id, property_id=invoice["property"]["id"], invoice_id=invoice_id,
            contact_id=customer.contact_id, method=method, amount_cents=amount_cents, fee_cents=fee_cents,
            status="processing"))
        session.execute(idempotency_keys.update().where(
            idempotency_keys.c.tenant_id == customer.tenant_id, idempotency_keys.c.contact_id == customer.contact_id,
            idempotency_keys.c.key == key).values(payment_id=payment_id))
        return {"payment_id": payment_id, "amount_cents": amount_cents, "fee_cents": fee_cents,
                "source": charge_source}


def payment_view(row) -> dict[str, Any]:
    return {"id": row.id, "invoice_id": row.invoice_id, "method": row.method, "amount_cents": row.amount_cents,
            "fee_cents": row.fee_cents, "charged_cents": row.amount_cents + row.fee_cents, "status": row.status,
            "message": row.message, "created_at": row.created_at.isoformat()}


def _settle(session, *, payment_id: str, result, from_statuses: tuple[str, ...]) -> Answer | None:
    """A payment's outcome, its key's answer and (when paid) `payment_succeeded`, in the caller's transaction;
    None when the payment is no longer in `from_statuses` (someone else settled it first)."""
    if isinstance(result, Approved):
        values = {"status": "succeeded", "retref": result.retref[:PROCESSOR_REF_LENGTH], "message": None}
    elif isinstance(result, Pending):
        values = {"status": "pending", "retref": result.retref[:PROCESSOR_REF_LENGTH], "message": PENDING_MESSAGE}
    elif isinstance(result, Declined):
        values = {"status": "declined", "message": result.message[:PAYMENT_MESSAGE_LENGTH]}
    elif isinstance(result, Returned):
        values = {"status": "returned", "message": result.message[:PAYMENT_MESSAGE_LENGTH]}
    else:
        values = {"status": "unknown", "message": UNKNOWN_MESSAGE}
    row = session.execute(payments.update().where(payments.c.id == payment_id, payments.c.status.in_(from_statuses))
                          .values(updated_at=sa.func.now(), **values).returning(payments)).first()
    if row is None:
        return None
    if isinstance(result, Approved):
        invoice = session.execute(
            sa.select(invoices.c.external_id, invoices.c.number, properties.c.branch_id)
            .outerjoin(properties, (properties.c.id == invoices.c.property_id)
                       & (properties.c.tenant_id == invoices.c.tenant_id))
            .where(invoices.c.id == row.invoice_id, invoices.c.tenant_id == row.tenant_id)).one()
        record_event(session, make_event("payment_succeeded", {
            "payment_id": row.id, "invoice_id": row.invoice_id, "invoice_external_id": invoice.external_id,
            "invoice_number": invoice.number, "property_id": row.property_id, "contact_id": row.contact_id,
            "method": row.method, "amount_cents": row.amount_cents, "fee_cents": row.fee_cents,
            "processor_reference": row.retref, "paid_at": datetime.now(UTC), **receipt_fields(session, row)},
            tenant_id=row.tenant_id, branch_id=invoice.branch_id))
        answer = Answer(201, payment_view(row))
    elif isinstance(result, (Declined, Returned)):
        answer = Answer(402, _problem(PaymentDeclined(result.message)))
    else:   # pending (ACH) or unknown: accepted, not yet paid
        answer = Answer(202, payment_view(row))
    # The key's answer follows the payment: a retry after the worker resolved an unknown payment hears the end.
    session.execute(idempotency_keys.update().where(
        idempotency_keys.c.tenant_id == row.tenant_id, idempotency_keys.c.payment_id == row.id)
        .values(status_code=answer.status, response=answer.body))
    return answer


def _record(db: Database, *, customer: Customer, key: str, payment_id: str, result) -> Answer:
    """Step 3 of a request; if the worker settled the payment first, its answer is the request's."""
    with db.unit_of_work() as session:
        answer = _settle(session, payment_id=payment_id, result=result, from_statuses=("processing",))
        if answer is not None:
            return answer
        stored = session.execute(sa.select(idempotency_keys.c.status_code, idempotency_keys.c.response).where(
            idempotency_keys.c.tenant_id == customer.tenant_id, idempotency_keys.c.contact_id == customer.contact_id,
            idempotency_keys.c.key == key)).one()
        return Answer(stored.status_code, stored.response)


# -- the worker: payments whose answer was lost ---------------------------------------------------

# A `processing` payment older than this lost its request (a crash between charge and record): every
# request ends well within it (connect 5 s + read 35 s, then the inquiry's three tries), so the
# worker never inquires about a charge that is still on its way.
RESOLVE_PROCESSING_AFTER = timedelta(minutes=10)
RESOLVE_INTERVAL_SECONDS = 30.0


def resolve_payments(db: Database, processor: AbstractProcessor, *,
                     processing_after: timedelta = RESOLVE_PROCESSING_AFTER, limit: int = 50) -> int:
    """Ask the processor about `unknown` payments, abandoned `processing` ones and `pending` ACH debits (by
    order id = payment id, never charging again): approved or settled → succeeded (+ payment_succeeded);
    never charged → declined, returned by the bank → returned (either way the hold is released and the
    balance open again); no news → left, asked again next time. Returns how many were settled."""
    with db.unit_of_work() as session:
        stuck = session.execute(
            sa.select(payments.c.id, payments.c.method, payments.c.status, payments.c.amount_cents,
                      payments.c.fee_cents,
                      (payments.c.created_at < sa.func.now() - processing_after).label("past_arrival")).where(
                payments.c.status.in_(("unknown", "pending"))
                | ((payments.c.status == "processing") & (payments.c.created_at < sa.func.now() - processing_after)))
            .order_by(payments.c.updated_at).limit(limit)).all()
    settled = 0
    for payment in stuck:
        try:
            settled += _resolve_one(db, processor, payment)
        except Exception:  # noqa: BLE001 - one payment's trouble must not hold up every payment behind it
            log.exception("payment %s could not be resolved this round", payment.id)
            with db.unit_of_work() as session:  # to the back of the queue
                session.execute(payments.update().where(payments.c.id == payment.id).values(updated_at=sa.func.now()))
    return settled


def _resolve_one(db: Database, processor: AbstractProcessor, payment) -> int:
    """One stuck payment: 1 when it was settled one way or the other, 0 when there is no news yet."""
    charged_cents = payment.amount_cents + payment.fee_cents
    # "Not found" means "never charged" only once the request can no longer arrive.
    final = bool(payment.past_arrival)
    if payment.method == ACH:
        result = inquire_debit(processor, order_id=payment.id, amount_cents=charged_cents, not_found_is_final=final)
    else:
        result = resolve_unknown_charge(processor, order_id=payment.id, amount_cents=charged_cents,
                                        not_found_is_final=final)
    if isinstance(result, (Unresolved, Pending)) and payment.status in ("pending", "unknown"):
        # No news: leave it as it is, asked again next time (only touch it to move the queue along).
        with db.unit_of_work() as session:
            session.execute(payments.update().where(payments.c.id == payment.id).values(updated_at=sa.func.now()))
        if not (isinstance(result, Pending) and payment.status == "unknown"):
            return 0
    with db.unit_of_work() as session:
        answer = _settle(session, payment_id=payment.id, result=result,
                         from_statuses=("processing", "unknown", "pending"))
    if answer is not None and not isinstance(result, (Unresolved, Pending)):
        log.info("payment %s resolved: %s", payment.id, answer.status)
        return 1
    return 0


def payment_resolver(db: Database, processor: AbstractProcessor,
                     interval_seconds: float = RESOLVE_INTERVAL_SECONDS) -> Callable[[threading.Event], None]:
    """The worker loop (bootstrap declares it as `loop:payments`)."""
    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            resolve_payments(db, processor)
            stop.wait(interval_seconds)
    return run


def pay_invoice(db: Database, processor: AbstractProcessor, *, customer: Customer, invoice_id: str, key: str,
                amount: Decimal | None, source: CardSource | SavedMethod) -> Answer:
    """Pay (part of) an invoice once per key: 201 paid, 402 declined (nothing changed), 202 pending (ACH) or
    unknown (held until the processor's record is found), or the stored answer of an earlier request with this key."""
    sent = ({"payment_method_id": source.method_id} if isinstance(source, SavedMethod)
            else {"token": source.token, "expiry": source.expiry})
    # In cents, so "100.0" and "100.00" are the same request.
    print_ = fingerprint(invoice_id, {"amount_cents": None if amount is None else rules.cents(amount), **sent})
    claimed = _claim(db, customer=customer, invoice_id=invoice_id, key=key, print_=print_, amount=amount,
                     source=source)
    if isinstance(claimed, Answer):
        return claimed
    payment_id = claimed["payment_id"]
    charged_cents, source = claimed["amount_cents"] + claimed["fee_cents"], claimed["source"]
    try:
        if isinstance(source, BankSource):
            result = debit_bank_account(processor, order_id=payment_id, amount_cents=charged_cents,
                                        token=source.token)
        else:
            result = charge_card(processor, order_id=payment_id, amount_cents=charged_cents, token=source.token,
                                 expiry=source.expiry)
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the charge may have been sent: hold, never retry
        log.exception("payment %s: the charge failed unexpectedly; left unknown", payment_id)
        result = Unresolved(payment_id, f"{type(exc).__name__}: {exc}")
    return _record(db, customer=customer, key=key, payment_id=payment_id, result=result)
