"""Autopay: a property's Primary or Billing contact (the `pay` permission) enrols one of their saved payment
methods, and the billing worker (`loop:autopay`) charges the property's invoices on their due date.

Exactly once per invoice, with any number of workers (docs/adr/0023):

- the charge goes through the customer's own use case, `payments.pay_invoice`, as the enrolled contact,
  with an Idempotency-Key derived from the enrolment and the invoice (`autopay:<enrolment>:<invoice>`).
  Two workers on one invoice: the second waits on the key's primary key, then hears 409 (in flight) or
  the stored answer — it never reaches the processor. A crash after the charge leaves the payment
  `processing`; `loop:payments` inquires by its order id, and the key's answer follows the payment, so
  the next autopay round hears the end and carries on. All of pay_invoice's rules hold: who may pay,
  the balance guard, the branch's accepted types and card fee, expired cards;
- what follows a charge (the receipt's `autopay_charged`, or `autopay_failed` and the enrolment stopped)
  and the three-day notice (`autopay_upcoming`) are claimed by a row of `autopay_runs` (invoice,
  enrolment, step) inserted in the same transaction as the event: a second worker's insert conflicts
  and it writes nothing.

Dates are UTC dates. Only invoices due on or after the day of enrolment are charged (an invoice already
overdue when the customer enrols is theirs to pay by hand); a charge is the invoice's balance that day.
"""
from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import (
    autopay_enrolments, autopay_runs, contacts, invoices, payment_methods, properties,
)
from portal_billing.adapters.processor import AbstractProcessor
from portal_billing.domain.fees import CARD
from portal_billing.domain.payment_methods import expired
from portal_billing.service_layer.invoices import invoices_with_balance
from portal_billing.service_layer.payment_settings import payment_rules
from portal_billing.service_layer.payments import Answer, SavedMethod, pay_invoice
from portal_shared.access.guard import Customer, authorize
from portal_shared.access.query import may
from portal_shared.bus.outbox import record_event
from portal_shared.db import Database
from portal_shared.errors import ApiError, Conflict, ValidationFailed
from portal_shared.events import make_event

log = logging.getLogger(__name__)

NOTICE_DAYS = 3
AUTOPAY_INTERVAL_SECONDS = 60.0
NOT_ALLOWED = "You are no longer allowed to pay for this property."


# -- the customer's enrolment ------------------------------------------------------------------------

def _enrolment(session: Session, tenant_id: str, property_id: str, *, lock: bool = False):
    query = sa.select(autopay_enrolments).where(autopay_enrolments.c.tenant_id == tenant_id,
                                                autopay_enrolments.c.property_id == property_id)
    return session.execute(query.with_for_update() if lock else query).first()


def _method_label(row) -> str:
    return f"{row.brand} ending {row.last_four}"


def enrolment_view(session: Session, *, customer: Customer, property_id: str) -> dict[str, Any]:
    """Whether autopay is on for a property the customer sees; the method only when it is theirs; whether they
    may turn it on or off (the `pay` permission, as `enrol` and `cancel` check it)."""
    authorize(session, customer, property_id)
    row = _enrolment(session, customer.tenant_id, property_id)
    view: dict[str, Any] = {"property_id": property_id, "enrolled": row is not None, "enrolled_by_you": False,
                            "enrolled_on": None, "payment_method": None,
                            "may_enrol": may(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                             contact_id=customer.contact_id, property_id=property_id,
                                             permission="pay")}
    if row is None:
        return view
    view.update(enrolled_on=row.enrolled_on, enrolled_by_you=row.contact_id == customer.contact_id)
    if view["enrolled_by_you"]:
        method = session.execute(sa.select(payment_methods).where(
            payment_methods.c.tenant_id == customer.tenant_id, payment_methods.c.id == row.payment_method_id)).first()
        if method is not None:
            view["payment_method"] = {"id": method.id, "kind": method.kind, "brand": method.brand,
                                      "last_four": method.last_four, "expiry": method.expiry}
    return view


def enrol(session: Session, *, customer: Customer, property_id: str, payment_method_id: str,
          today: date) -> dict[str, Any]:
    """Turn autopay on (or change its method): the customer may pay for the property, the method is one of
    theirs, of a type the branch takes, and not an expired card. Enrolling again as the same contact keeps
    the enrolment (its invoices are not charged twice); another contact's enrolment is replaced."""
    authorize(session, customer, property_id, "pay")
    method = session.execute(sa.select(payment_methods).where(
        payment_methods.c.tenant_id == customer.tenant_id, payment_methods.c.contact_id == customer.contact_id,
        payment_methods.c.id == payment_method_id)).first()
    if method is None:
        raise ValidationFailed("No such saved payment method.", errors={"payment_method_id": ["Not one of yours."]})
    if method.kind == CARD and expired(method.expiry or "", today):
        raise ValidationFailed("That card has expired; update its expiry or choose another.",
                               errors={"payment_method_id": ["This card has expired."]})
    branch_id = session.scalar(sa.select(properties.c.branch_id).where(
        properties.c.tenant_id == customer.tenant_id, properties.c.id == property_id)) or customer.branch_id
    if not payment_rules(session, tenant_id=customer.tenant_id, branch_id=branch_id).accepts(method.kind):
        raise ValidationFailed("This branch does not take this type of payment.", code="payment_type_not_accepted",
                               errors={"payment_method_id": ["This payment type is not accepted."]})
    current = _enrolment(session, customer.tenant_id, property_id, lock=True)
    if current is not None and current.contact_id == customer.contact_id:
        session.execute(autopay_enrolments.update().where(
            autopay_enrolments.c.tenant_id == customer.tenant_id, autopay_enrolments.c.property_id == property_id)
            .values(payment_method_id=payment_method_id, updated_at=sa.func.now()))
    else:
        values = {"id": str(uuid.uuid4()), "contact_id": customer.contact_id,
                  "payment_method_id": payment_method_id, "enrolled_on": today}
        statement = pg_insert(autopay_enrolments).values(tenant_id=customer.tenant_id, property_id=property_id,
                                                         **values)
        session.execute(statement.on_conflict_do_update(
            index_elements=[autopay_enrolments.c.tenant_id, autopay_enrolments.c.property_id],
            set_={**values, "updated_at": sa.func.now()}))
    return enrolment_view(session, customer=customer, property_id=property_id)


def cancel(session: Session, *, customer: Customer, property_id: str) -> None:
    """Turn autopay off for the property (anyone who may pay for it may; nothing to do when it is off)."""
    authorize(session, customer, property_id, "pay")
    session.execute(autopay_enrolments.delete().where(autopay_enrolments.c.tenant_id == customer.tenant_id,
                                                      autopay_enrolments.c.property_id == property_id))


# -- the worker ----------------------------------------------------------------------------------------

def autopay_key(enrolment_id: str, invoice_id: str) -> str:
    """The charge's Idempotency-Key: one per invoice and enrolment, whichever worker, whichever round."""
    return f"autopay:{enrolment_id}:{invoice_id}"


def _candidates(session: Session, *, step: str, earliest: Any, latest: Any, due_only: bool) -> list:
    """(enrolment, invoice) pairs with a due date in [earliest, latest] (not before the enrolment), that this
    step has not handled yet; `due_only` keeps those with a balance (the notice: a charge asks pay_invoice)."""
    found = []
    for tenant_id in session.scalars(sa.select(autopay_enrolments.c.tenant_id).distinct()):
        enrolled = sa.select(autopay_enrolments.c.property_id).where(autopay_enrolments.c.tenant_id == tenant_id)
        query, balance = invoices_with_balance(
            tenant_id, enrolled, invoices.c.id.label("invoice_id"), invoices.c.tenant_id, invoices.c.property_id,
            invoices.c.due_date, autopay_enrolments.c.id.label("enrolment_id"), autopay_enrolments.c.contact_id,
            autopay_enrolments.c.payment_method_id)
        query = query.join(autopay_enrolments, (autopay_enrolments.c.tenant_id == invoices.c.tenant_id)
                           & (autopay_enrolments.c.property_id == invoices.c.property_id)).where(
            invoices.c.due_date >= earliest, invoices.c.due_date <= latest,
            invoices.c.due_date >= autopay_enrolments.c.enrolled_on,
            ~sa.exists().where(autopay_runs.c.tenant_id == invoices.c.tenant_id,
                               autopay_runs.c.invoice_id == invoices.c.id,
                               autopay_runs.c.enrolment_id == autopay_enrolments.c.id, autopay_runs.c.step == step))
        if due_only:
            query = query.where(balance > 0)
        found += session.execute(query.order_by(invoices.c.due_date, invoices.c.id)).all()   # with balance_cents
    return found


def _claim(session: Session, candidate, step: str, payment_id: str | None = None) -> bool:
    """This step for this invoice and enrolment, once: False when another worker (or round) had it."""
    return session.execute(pg_insert(autopay_runs).values(
        tenant_id=candidate.tenant_id, invoice_id=candidate.invoice_id, enrolment_id=candidate.enrolment_id,
        step=step, payment_id=payment_id).on_conflict_do_nothing().returning(autopay_runs.c.step)).first() is not None


def _event_data(session: Session, candidate, amount_cents: int) -> tuple[dict[str, Any], str]:
    """The data every autopay event carries, and the property's branch."""
    row = session.execute(
        sa.select(invoices.c.external_id, invoices.c.number, properties.c.name.label("property_name"),
                  properties.c.branch_id, contacts.c.email, contacts.c.first_name, contacts.c.last_name)
        .select_from(invoices)
        .outerjoin(properties, (properties.c.tenant_id == invoices.c.tenant_id)
                   & (properties.c.id == invoices.c.property_id))
        .outerjoin(contacts, (contacts.c.tenant_id == invoices.c.tenant_id) & (contacts.c.id == candidate.contact_id))
        .where(invoices.c.tenant_id == candidate.tenant_id, invoices.c.id == candidate.invoice_id)).one()
    method = session.execute(sa.select(payment_methods).where(
        payment_methods.c.tenant_id == candidate.tenant_id, payment_methods.c.id == candidate.payment_method_id)).first()
    return {
        "enrolment_id": candidate.enrolment_id, "invoice_id": candidate.invoice_id,
        "invoice_external_id": row.external_id, "invoice_number": row.number,
        "property_id": candidate.property_id, "property_name": row.property_name or "",
        "contact_id": candidate.contact_id, "to_email": row.email,
        "to_name": f"{row.first_name} {row.last_name}".strip(), "due_date": candidate.due_date,
        "amount_cents": amount_cents,
        "payment_method": _method_label(method) if method is not None else "your saved payment method",
    }, row.branch_id


def _publish(session: Session, event_type: str, candidate, amount_cents: int, **extra) -> bool:
    data, branch_id = _event_data(session, candidate, amount_cents)
    if not data["to_email"]:      # the contact left the directory: nobody to tell
        log.warning("autopay %s: contact %s unknown, no %s", candidate.enrolment_id, candidate.contact_id, event_type)
        return False
    record_event(session, make_event(event_type, {**data, **extra}, tenant_id=candidate.tenant_id,
                                     branch_id=branch_id))
    return True


def send_notices(db: Database, *, today: date) -> int:
    """`autopay_upcoming` for each enrolled invoice due in the next NOTICE_DAYS days, once."""
    sent = 0
    with db.unit_of_work() as session:
        due = _candidates(session, step="notice", earliest=today + timedelta(days=1),
                          latest=today + timedelta(days=NOTICE_DAYS), due_only=True)
    for candidate in due:
        with db.unit_of_work() as session:
            if _claim(session, candidate, "notice"):
                sent += _publish(session, "autopay_upcoming", candidate, int(candidate.balance_cents))
    return sent


def _branch_of(session: Session, tenant_id: str, property_id: str) -> str | None:
    return session.scalar(sa.select(properties.c.branch_id).where(properties.c.tenant_id == tenant_id,
                                                                  properties.c.id == property_id))


def _stop(session: Session, candidate) -> None:
    session.execute(autopay_enrolments.delete().where(autopay_enrolments.c.tenant_id == candidate.tenant_id,
                                                      autopay_enrolments.c.id == candidate.enrolment_id))


def _finish(db: Database, candidate, answer: Answer | None, refused: ApiError | None) -> str:
    """What follows one charge attempt, once (the run row): charged, failed (and stopped), nothing due; or
    "busy" when another worker (or round) recorded it first."""
    now = datetime.now(UTC)
    body = answer.body if answer is not None else {}
    with db.unit_of_work() as session:
        if answer is not None and answer.status in (201, 202) and body.get("status") in ("succeeded", "pending"):
            if not _claim(session, candidate, "charge", body["id"]):
                return "busy"
            _publish(session, "autopay_charged", candidate, body["amount_cents"], payment_id=body["id"],
                     fee_cents=body["fee_cents"], status=body["status"], charged_at=now)
            return "charged"
        if isinstance(refused, ValidationFailed) and refused.code == "nothing_due":
            return "nothing_due" if _claim(session, candidate, "charge") else "busy"
        reason = (body.get("detail") or body.get("title") if answer is not None
                  else NOT_ALLOWED if refused.status in (403, 404) else refused.detail or refused.title)
        if not _claim(session, candidate, "charge"):
            return "busy"
        _stop(session, candidate)
        _publish(session, "autopay_failed", candidate, int(candidate.balance_cents), reason=str(reason),
                 payment_id=None, failed_at=now)
        return "failed"


def charge_due(db: Database, processor: AbstractProcessor, *, today: date) -> dict[str, int]:
    """Charge every enrolled invoice due today (or since the enrolment) that has not been charged; returns
    how many were charged, failed, had nothing due, or were another worker's (busy) or still unknown."""
    counts = {"charged": 0, "failed": 0, "nothing_due": 0, "busy": 0, "unknown": 0}
    with db.unit_of_work() as session:
        due = _candidates(session, step="charge", earliest=date.min, latest=today, due_only=False)
        branches = {(c.tenant_id, c.property_id): _branch_of(session, c.tenant_id, c.property_id) for c in due}
    for candidate in due:
        branch_id = branches[(candidate.tenant_id, candidate.property_id)]
        who = Customer(tenant_id=candidate.tenant_id, branch_id=str(branch_id), contact_id=candidate.contact_id)
        answer, refused = None, None
        try:
            answer = pay_invoice(db, processor, customer=who, invoice_id=candidate.invoice_id,
                                 key=autopay_key(candidate.enrolment_id, candidate.invoice_id), amount=None,
                                 source=SavedMethod(candidate.payment_method_id))
        except Conflict:
            counts["busy"] += 1         # another worker is charging it right now
            continue
        except ApiError as exc:         # 403/404 may no longer pay; 422 nothing due, method gone, expired, not accepted
            refused = exc
        if answer is not None and answer.status == 202 and answer.body.get("status") == "unknown":
            counts["unknown"] += 1      # loop:payments finds out; the key's answer follows, heard next round
            continue
        counts[_finish(db, candidate, answer, refused)] += 1
    return counts


def run_autopay(db: Database, processor: AbstractProcessor, *, today: date | None = None) -> dict[str, int]:
    """One round: the notices, then the charges."""
    today = today or datetime.now(UTC).date()
    notices = send_notices(db, today=today)
    return {"notices": notices, **charge_due(db, processor, today=today)}


def autopay_loop(db: Database, processor: AbstractProcessor,
                 interval_seconds: float = AUTOPAY_INTERVAL_SECONDS) -> Callable[[threading.Event], None]:
    """The worker loop (bootstrap declares it as `loop:autopay`); safe to run in several workers at once."""
    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                run_autopay(db, processor)
            except Exception:  # noqa: BLE001 - a bad round must not end the loop; the next one tries again
                log.exception("autopay round failed")
            stop.wait(interval_seconds)
    return run
