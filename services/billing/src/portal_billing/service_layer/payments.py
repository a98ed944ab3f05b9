"""A signed-in customer pays an invoice — or several due invoices with one charge — by card or from a
saved bank account (ACH), exactly once per Idempotency-Key, never below a zero balance on any invoice.

Three short transactions around one processor call, so no database lock is held while the processor
thinks (up to its 35 s read timeout):

1. claim: the Idempotency-Key is inserted with the request's fingerprint (a concurrent request with the
   same key waits on the key's primary key, then finds it taken); the invoice rows are locked
   (`FOR UPDATE`, in id order), who may pay each is checked (`customer_invoice`'s `may_pay`, the
   invoice's Billing contact or `pay` on its property), each share checked against its invoice's
   balance (several invoices: amounts as given, or a total allocated oldest first), and a `processing`
   payment inserted with its `payment_allocations`: from this commit on it holds each share against its
   invoice's balance, so a second payment that would take one below zero is refused while the first is
   still at the processor;
2. charge: `charging.charge_card` (or `debit_bank_account` for ACH) with the payment's id as the
   processor's order id (a lost answer is inquired, never charged again); a processor that refuses
   billing's own credentials charged nothing: the payment is `failed`, its key released, and the
   customer hears 503;
3. record: the payment becomes `succeeded` (and `payment_succeeded` is written to the outbox),
   `declined` (its hold released: nothing changed), `pending` (an ACH debit, held until its bank
   settles or returns it), or `unknown` (the charge's answer and its inquiry were both lost; the
   amount stays held until it is resolved), and the answer is stored with the key. The worker's
   `loop:payments` (`resolve_payments`) finishes what a request could not, and follows ACH debits until
   their bank is done: settled → `succeeded` + `payment_succeeded`; returned, before or after settling →
   `returned` + `payment_returned` (the balance open again, the customer emailed).

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
    PAYMENT_MESSAGE_LENGTH, PROCESSOR_REF_LENGTH, contacts, idempotency_keys, invoices, payment_allocations,
    payment_methods, payments, properties,
)
from portal_billing.adapters.processor import AbstractProcessor, Approved, Declined, Pending, ProcessorMisconfigured
from portal_billing.domain import invoices as rules
from portal_billing.domain.fees import ACH, CARD, convenience_fee_cents
from portal_billing.domain.payment_methods import expired
from portal_billing.service_layer.charging import (
    Returned, Unresolved, charge_card, debit_bank_account, inquire_debit, resolve_unknown_charge,
)
from portal_billing.service_layer.invoices import (
    customer_invoice, customer_invoice_list, customer_property_ids, invoice_balance_cents,
)
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
UNAVAILABLE_MESSAGE = "Payments cannot be taken right now, and nothing was charged. Please try again later."
PENDING_MESSAGE = "Your bank payment is on its way; it usually settles within a few business days."


class PaymentDeclined(ApiError):
    status, code, title = 402, "payment_declined", "Payment declined"


class PaymentsUnavailable(ApiError):
    status, code, title = 503, "payments_unavailable", "Payments unavailable"


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


@dataclass(frozen=True)
class Target:
    """One invoice a payment is for; `amount` None pays its whole balance (or, with a total, its share)."""
    invoice_id: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class PaymentRequest:
    """What to pay: these invoices (or every due one the customer may pay), with per-invoice amounts or one
    total allocated oldest first."""
    targets: tuple[Target, ...] = ()
    all_due: bool = False
    total: Decimal | None = None

    def canonical(self) -> dict[str, Any]:
        """In cents, so "100.0" and "100.00" are the same request."""
        def cents(amount):
            return None if amount is None else rules.cents(amount)
        return {"invoices": [[t.invoice_id, cents(t.amount)] for t in self.targets], "all_due": self.all_due,
                "total_cents": cents(self.total)}


def _due_invoices_they_may_pay(session, customer: Customer) -> list[str]:
    """`all_due`: the ids of the customer's due invoices (visible properties of their branch) they may pay."""
    property_ids = customer_property_ids(session, customer, None)
    if not property_ids:
        return []
    rows = session.execute(customer_invoice_list(tenant_id=customer.tenant_id, property_ids=property_ids,
                                                 show="due")).all()
    return [row.id for row in rows
            if customer_invoice(session, customer=customer, invoice_id=row.id)["may_pay"]]


def _oldest_first(invoice: dict[str, Any]) -> tuple:
    return (invoice["invoice_date"], invoice["due_date"], invoice["number"], invoice["id"])


def _allocate(chosen: list[dict[str, Any]], request: PaymentRequest, *, partial_allowed: bool) -> list[int]:
    """Cents per chosen invoice (in the order given): its amount as asked (the single-invoice rules per
    invoice), or the total spread oldest first, or every balance whole."""
    if request.total is None:
        amounts = []
        for invoice, target in zip(chosen, request.targets or [Target(i["id"]) for i in chosen]):
            try:
                amounts.append(_amount_cents(target.amount, balance_cents=invoice["balance_cents"],
                                             partial_allowed=partial_allowed))
            except ValidationFailed as error:
                if len(chosen) == 1:
                    raise
                said = (error.errors or {}).get("amount", [error.detail])
                where, which = f"invoices.{len(amounts)}.amount", f"Invoice #{invoice['number']}"
                raise ValidationFailed(f"{which}: {error.detail}", code=error.code,
                                       errors={where: [f"{which}: {m}" for m in said]}) from None
        return amounts
    total_cents = rules.cents(request.total)
    owed = sum(i["balance_cents"] for i in chosen)
    if owed <= 0:
        raise ValidationFailed("These invoices have nothing left to pay.", code="nothing_due",
                               errors={"amount": ["These invoices have nothing left to pay."]})
    if total_cents < MINIMUM_PAYMENT_CENTS:
        raise ValidationFailed("A payment is at least $1.00.", errors={"amount": ["Must be at least 1.00."]})
    if total_cents > owed:
        raise ValidationFailed("That is more than the balance.",
                               errors={"amount": [f"Must be at most the balance ({dollars(owed)})."]})
    if total_cents != owed and not partial_allowed:
        raise ValidationFailed("Pay the full balance: this branch does not take partial payments.",
                               errors={"amount": [f"Must be the full balance ({dollars(owed)})."]})
    amounts, left = [0] * len(chosen), total_cents
    for n in sorted(range(len(chosen)), key=lambda n: _oldest_first(chosen[n])):
        amounts[n] = min(left, chosen[n]["balance_cents"])
        left -= amounts[n]
    return amounts


def _claim(db: Database, *, customer: Customer, key: str, print_: str, request: PaymentRequest,
           source: CardSource | SavedMethod) -> Answer | dict[str, Any]:
    """Step 1: the key, the locks, the rules, the held payment. An Answer when the key was used before."""
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

        invoice_ids = ([t.invoice_id for t in request.targets] if not request.all_due
                       else _due_invoices_they_may_pay(session, customer))
        if request.all_due and not invoice_ids:
            raise ValidationFailed("You have no due invoices to pay.", code="nothing_due",
                                   errors={"all_due": ["No due invoice you may pay."]})
        # The locks that serialise payments of these invoices (and only of them), taken in one order so two
        # payments of overlapping invoices wait for each other instead of deadlocking; another tenant's id
        # locks nothing.
        locked = set(session.scalars(sa.select(invoices.c.id).where(
            invoices.c.tenant_id == customer.tenant_id, invoices.c.id.in_(invoice_ids))
            .order_by(invoices.c.id).with_for_update()))
        if len(locked) != len(invoice_ids):
            raise NotFound("No such invoice.")
        # Read after the locks: the balances are those no other payment can change until this one commits.
        chosen = [customer_invoice(session, customer=customer, invoice_id=i) for i in invoice_ids]   # 404 if not theirs
        if request.all_due:
            # Paid meanwhile by a payment that held the locks first: no longer due, so not part of "all due".
            chosen = [invoice for invoice in chosen if invoice["balance_cents"] > 0]
            if not chosen:
                raise ValidationFailed("You have no due invoices to pay.", code="nothing_due",
                                       errors={"all_due": ["No due invoice you may pay."]})
        for invoice in chosen:
            if not invoice["may_pay"]:
                raise Forbidden(f"Only the invoice's billing contact, or a contact who may pay for its property, "
                                f"can pay invoice #{invoice['number']}.", code="may_not_pay")
        branch = payment_rules(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id)
        method, charge_source = _source(session, customer=customer, source=source)
        if not branch.accepts(method):
            words = "card" if method == CARD else "bank account (ACH)"
            raise ValidationFailed(f"This branch does not take {words} payments.", code="payment_type_not_accepted",
                                   errors={"payment_method_id": [f"{words.capitalize()} payments are not accepted."]})
        shares = _allocate(chosen, request, partial_allowed=branch.partial_payments)
        amount_cents = sum(shares)
        # The convenience fee is a card's only (domain.fees: 0 for ACH, whatever the setting).
        fee_cents = convenience_fee_cents(amount_cents, method, branch.card_convenience_fee_percent)
        # Allocations are listed oldest first (the first is the one payment_succeeded's v1 fields name).
        paid = sorted(((invoice, cents) for invoice, cents in zip(chosen, shares) if cents > 0),
                      key=lambda pair: _oldest_first(pair[0]))
        payment_id = str(uuid.uuid4())
        first = paid[0][0]
        session.execute(payments.insert().values(
            id=payment_id, tenant_id=customer.tenant_id, property_id=first["property"]["id"], invoice_id=first["id"],
            contact_id=customer.contact_id, method=method, amount_cents=amount_cents, fee_cents=fee_cents,
            status="processing"))
        session.execute(payment_allocations.insert(), [
            {"payment_id": payment_id, "invoice_id": invoice["id"], "tenant_id": customer.tenant_id,
             "amount_cents": cents, "position": position} for position, (invoice, cents) in enumerate(paid)])
        session.execute(idempotency_keys.update().where(
            idempotency_keys.c.tenant_id == customer.tenant_id, idempotency_keys.c.contact_id == customer.contact_id,
            idempotency_keys.c.key == key).values(payment_id=payment_id))
        return {"payment_id": payment_id, "amount_cents": amount_cents, "fee_cents": fee_cents,
                "source": charge_source}


def allocations(session, *, tenant_id: str, payment_id: str) -> list[dict[str, Any]]:
    """How a payment is split over its invoices, in the order it was allocated."""
    rows = session.execute(
        sa.select(payment_allocations.c.invoice_id, invoices.c.external_id, invoices.c.number,
                  payment_allocations.c.amount_cents)
        .join(invoices, (invoices.c.id == payment_allocations.c.invoice_id) & (invoices.c.tenant_id == tenant_id))
        .where(payment_allocations.c.tenant_id == tenant_id, payment_allocations.c.payment_id == payment_id)
        .order_by(payment_allocations.c.position)).all()
    return [{"invoice_id": r.invoice_id, "invoice_external_id": r.external_id, "invoice_number": r.number,
             "amount_cents": int(r.amount_cents)} for r in rows]


def payment_view(row, split: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": row.id, "invoice_id": row.invoice_id, "method": row.method, "amount_cents": row.amount_cents,
            "fee_cents": row.fee_cents, "charged_cents": row.amount_cents + row.fee_cents, "status": row.status,
            "message": row.message, "created_at": row.created_at.isoformat(),
            "allocations": [{"invoice_id": a["invoice_id"], "invoice_number": a["invoice_number"],
                             "amount_cents": a["amount_cents"]} for a in split]}


def _contact(session, *, tenant_id: str, contact_id: str):
    return session.execute(sa.select(contacts.c.email, contacts.c.first_name, contacts.c.last_name).where(
        contacts.c.tenant_id == tenant_id, contacts.c.id == contact_id)).first()


def _settle(session, *, payment_id: str, result, from_statuses: tuple[str, ...]) -> Answer | None:
    """A payment's outcome, its key's answer and its event (`payment_succeeded` when the money is ours,
    `payment_returned` when a bank took an ACH debit back), in the caller's transaction; None when the
    payment is no longer in `from_statuses` (someone else settled it first)."""
    if isinstance(result, Approved):
        values = {"status": "succeeded", "retref": result.retref[:PROCESSOR_REF_LENGTH], "message": None,
                  "settled_at": sa.func.now()}
    elif isinstance(result, Pending):
        values = {"status": "pending", "retref": result.retref[:PROCESSOR_REF_LENGTH], "message": PENDING_MESSAGE}
    elif isinstance(result, Declined):
        values = {"status": "declined", "message": result.message[:PAYMENT_MESSAGE_LENGTH]}
    elif isinstance(result, Returned):
        values = {"status": "returned", "message": result.message[:PAYMENT_MESSAGE_LENGTH],
                  "returned_at": sa.func.now(), "return_code": (result.return_code or "")[:10] or None}
    else:
        values = {"status": "unknown", "message": UNKNOWN_MESSAGE}
    row = session.execute(payments.update().where(payments.c.id == payment_id, payments.c.status.in_(from_statuses))
                          .values(updated_at=sa.func.now(), **values).returning(payments)).first()
    if row is None:
        return None
    split = allocations(session, tenant_id=row.tenant_id, payment_id=row.id)
    if isinstance(result, (Approved, Returned)):
        _publish(session, row, split, result)
    if isinstance(result, Approved):
        answer = Answer(201, payment_view(row, split))
    elif isinstance(result, (Declined, Returned)):
        answer = Answer(402, _problem(PaymentDeclined(result.message)))
    else:   # pending (ACH) or unknown: accepted, not yet paid
        answer = Answer(202, payment_view(row, split))
    # The key's answer follows the payment: a retry after the worker resolved an unknown payment hears the end.
    session.execute(idempotency_keys.update().where(
        idempotency_keys.c.tenant_id == row.tenant_id, idempotency_keys.c.payment_id == row.id)
        .values(status_code=answer.status, response=answer.body))
    return answer


def _publish(session, row, split: list[dict[str, Any]], result: Approved | Returned) -> None:
    """`payment_succeeded` (the money is ours: a card charge approved, an ACH debit settled) or
    `payment_returned`, into the outbox. The v1 fields name the first invoice; `allocations` lists them all."""
    first = split[0]
    branch_id = session.scalar(sa.select(properties.c.branch_id).where(
        properties.c.id == row.property_id, properties.c.tenant_id == row.tenant_id))
    data = {"payment_id": row.id, "invoice_id": first["invoice_id"],
            "invoice_external_id": first["invoice_external_id"], "invoice_number": first["invoice_number"],
            "property_id": row.property_id, "contact_id": row.contact_id, "method": row.method,
            "amount_cents": row.amount_cents, "fee_cents": row.fee_cents, "processor_reference": row.retref or "",
            "allocations": split}
    if isinstance(result, Approved):
        with_balances = [{**a, "balance_cents": invoice_balance_cents(session, tenant_id=row.tenant_id,
                                                                     invoice_id=a["invoice_id"])} for a in split]
        record_event(session, make_event("payment_succeeded", {
            **data, "allocations": with_balances, "paid_at": datetime.now(UTC), **receipt_fields(session, row)},
            tenant_id=row.tenant_id, branch_id=branch_id))
        return
    who = _contact(session, tenant_id=row.tenant_id, contact_id=row.contact_id)
    record_event(session, make_event("payment_returned", {
        **data, "return_code": row.return_code, "returned_at": datetime.now(UTC),
        # True when `payment_succeeded` was published before (the bank took back a settled debit).
        "after_settlement": row.settled_at is not None,
        "contact_email": who.email if who else None,
        "contact_name": f"{who.first_name} {who.last_name}".strip() if who else None},
        tenant_id=row.tenant_id, branch_id=branch_id))


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


def _refused_by_processor(db: Database, *, customer: Customer, key: str, payment_id: str) -> None:
    """The processor refused billing itself (credentials, merchant id) before charging: nothing was
    charged, so the hold is released (`failed`) and the key forgotten (the same request may be sent again
    once an operator has fixed the configuration)."""
    with db.unit_of_work() as session:
        session.execute(payments.update().where(payments.c.id == payment_id, payments.c.status == "processing")
                        .values(status="failed", message=UNAVAILABLE_MESSAGE, updated_at=sa.func.now()))
        session.execute(idempotency_keys.delete().where(
            idempotency_keys.c.tenant_id == customer.tenant_id, idempotency_keys.c.contact_id == customer.contact_id,
            idempotency_keys.c.key == key))


# -- the worker: payments whose answer was lost, ACH debits until their bank is done ----------------

# A `processing` payment older than this lost its request (a crash between charge and record): every
# request ends well within it (connect 5 s + read 35 s, then the inquiry's three tries), so the
# worker never inquires about a charge that is still on its way.
RESOLVE_PROCESSING_AFTER = timedelta(minutes=10)
RESOLVE_INTERVAL_SECONDS = 30.0
# A settled ACH debit can still be returned: R01-type returns come within two banking days, an
# unauthorised-debit claim (R10, R05, ...) within 60 days. Settled debits are asked about again at most
# every ACH_RECHECK_AFTER until ACH_RETURN_WINDOW has passed since they settled.
ACH_RETURN_WINDOW = timedelta(days=60)
ACH_RECHECK_AFTER = timedelta(hours=6)


def _due_for_inquiry(processing_after: timedelta, recheck_after: timedelta, return_window: timedelta):
    """Which payments the worker asks about: unknown ones, pending ACH debits, abandoned `processing`
    ones, and settled ACH debits still inside their return window (not asked lately)."""
    now = sa.func.now()
    return (payments.c.status.in_(("unknown", "pending"))
            | ((payments.c.status == "processing") & (payments.c.created_at < now - processing_after))
            | ((payments.c.status == "succeeded") & (payments.c.method == ACH)
               & (payments.c.settled_at > now - return_window) & (payments.c.updated_at < now - recheck_after)))


def resolve_payments(db: Database, processor: AbstractProcessor, *,
                     processing_after: timedelta = RESOLVE_PROCESSING_AFTER,
                     recheck_after: timedelta = ACH_RECHECK_AFTER, return_window: timedelta = ACH_RETURN_WINDOW,
                     limit: int = 50) -> int:
    """Ask the processor about each payment due for it (by order id = payment id, never charging again):
    approved or settled → succeeded (+ payment_succeeded); never charged → declined; returned by the bank,
    before or after it settled → returned (+ payment_returned); either way the hold is released and the
    balance open again. No news → left, asked again next time. Returns how many were settled.

    Safe with several workers: each payment is claimed with `FOR UPDATE SKIP LOCKED` and held while it
    is asked about, so two workers never inquire about (or settle) the same payment at once, and one
    asked this round (its `updated_at` moved) is not asked again in it."""
    with db.unit_of_work() as session:
        round_started = session.scalar(sa.select(sa.func.now()))
    due = _due_for_inquiry(processing_after, recheck_after, return_window)
    settled = 0
    for _ in range(limit):
        with db.unit_of_work() as session:
            payment = session.execute(
                sa.select(payments.c.id, payments.c.method, payments.c.status, payments.c.amount_cents,
                          payments.c.fee_cents,
                          (payments.c.created_at < sa.func.now() - processing_after).label("past_arrival"))
                .where(due, payments.c.updated_at < round_started)
                .order_by(payments.c.updated_at).limit(1).with_for_update(of=payments, skip_locked=True)).first()
            if payment is None:
                break
            settled += _resolve_one(session, processor, payment)
    return settled


# What a payment in each status becomes, by the processor's news; anything else is no news.
_NEWS = {
    "processing": (Approved, Declined, Returned, Pending, Unresolved),   # abandoned: unknown at worst
    "unknown": (Approved, Declined, Returned, Pending),
    "pending": (Approved, Declined, Returned),
    "succeeded": (Returned,),                                           # a settled ACH debit taken back
}


def _resolve_one(session, processor: AbstractProcessor, payment) -> int:
    """One claimed payment (its row locked by the caller's transaction): 1 when it was settled one way or
    the other, 0 when there is no news yet (then only its place in the queue moves)."""
    charged_cents = payment.amount_cents + payment.fee_cents
    # "Not found" means "never charged" only once the request can no longer arrive.
    final = bool(payment.past_arrival)
    try:
        if payment.method == ACH:
            result = inquire_debit(processor, order_id=payment.id, amount_cents=charged_cents,
                                   not_found_is_final=final)
        else:
            result = resolve_unknown_charge(processor, order_id=payment.id, amount_cents=charged_cents,
                                            not_found_is_final=final)
    except Exception:  # noqa: BLE001 - one payment's trouble must not hold up every payment behind it
        log.exception("payment %s could not be resolved this round", payment.id)
        result = None
    if payment.status == "succeeded" and isinstance(result, Declined):
        log.warning("settled ACH payment %s: the processor now says %s; left as it is", payment.id, result)
    if not isinstance(result, _NEWS[payment.status]):
        session.execute(payments.update().where(payments.c.id == payment.id).values(updated_at=sa.func.now()))
        return 0
    answer = _settle(session, payment_id=payment.id, result=result, from_statuses=(payment.status,))
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


def _pay(db: Database, processor: AbstractProcessor, *, customer: Customer, key: str, print_: str,
         request: PaymentRequest, source: CardSource | SavedMethod) -> Answer:
    claimed = _claim(db, customer=customer, key=key, print_=print_, request=request, source=source)
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
    except ProcessorMisconfigured:
        # Raised only by the charge itself (an inquiry's refusal is Unresolved): the processor refused us,
        # so nothing was charged. An operator must act; the customer is told to try later.
        log.exception("payment %s: the processor refused billing's credentials; nothing charged", payment_id)
        _refused_by_processor(db, customer=customer, key=key, payment_id=payment_id)
        raise PaymentsUnavailable(UNAVAILABLE_MESSAGE) from None
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the charge may have been sent: hold, never retry
        log.exception("payment %s: the charge failed unexpectedly; left unknown", payment_id)
        result = Unresolved(payment_id, f"{type(exc).__name__}: {exc}")
    return _record(db, customer=customer, key=key, payment_id=payment_id, result=result)


def _sent(source: CardSource | SavedMethod) -> dict[str, Any]:
    return ({"payment_method_id": source.method_id} if isinstance(source, SavedMethod)
            else {"token": source.token, "expiry": source.expiry})


def pay_invoice(db: Database, processor: AbstractProcessor, *, customer: Customer, invoice_id: str, key: str,
                amount: Decimal | None, source: CardSource | SavedMethod) -> Answer:
    """Pay (part of) an invoice once per key: 201 paid, 402 declined (nothing changed), 202 pending (ACH) or
    unknown (held until the processor's record is found), or the stored answer of an earlier request with this key."""
    # In cents, so "100.0" and "100.00" are the same request.
    print_ = fingerprint(invoice_id, {"amount_cents": None if amount is None else rules.cents(amount),
                                      **_sent(source)})
    return _pay(db, processor, customer=customer, key=key, print_=print_,
                request=PaymentRequest(targets=(Target(invoice_id, amount),)), source=source)


def pay_invoices(db: Database, processor: AbstractProcessor, *, customer: Customer, key: str,
                 request: PaymentRequest, source: CardSource | SavedMethod) -> Answer:
    """Pay several invoices (or every due one the customer may pay) with one charge, once per key; the same
    answers as `pay_invoice`. Each invoice keeps its own guard: its lock, who may pay it, its balance."""
    print_ = fingerprint("several", {**request.canonical(), **_sent(source)})
    return _pay(db, processor, customer=customer, key=key, print_=print_, request=request, source=source)
