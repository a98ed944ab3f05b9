"""Charging a card exactly once: authorise with capture; when the answer is lost, ask the processor.

A pure function over the processor port, without a database: the caller records what it returns
in its own transaction. The order id is the caller's idempotency key for the charge (the payment's
id): the same order id must never be charged again once any attempt was sent, only inquired.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal_billing.adapters.processor import (
    AbstractProcessor, Approved, Declined, Outcome, ProcessorUnavailable, Unknown,
)

NOT_CHARGED = "The processor did not answer, and nothing was charged. Please try again."


@dataclass(frozen=True)
class Unresolved:
    """The charge was sent, its answer lost, and the inquiry failed too: the caller keeps the payment
    pending and calls `resolve_unknown_charge` again later; it must not charge again."""
    order_id: str
    reason: str


ChargeResult = Approved | Declined | Unresolved


def charge_card(processor: AbstractProcessor, *, order_id: str, amount_cents: int, token: str | None = None,
                expiry: str | None = None, profile: str | None = None) -> ChargeResult:
    """Charge once; an unanswered charge is resolved by inquiry before this returns."""
    if amount_cents <= 0:
        raise ValueError("a charge is for a positive number of cents")
    outcome: Outcome = processor.authorize_capture(order_id=order_id, amount_cents=amount_cents, token=token,
                                                   expiry=expiry, profile=profile)
    if isinstance(outcome, Unknown):
        return resolve_unknown_charge(processor, order_id=order_id, amount_cents=amount_cents)
    if isinstance(outcome, (Approved, Declined)):
        return outcome
    raise TypeError(f"a card charge answered {outcome!r}")


def resolve_unknown_charge(processor: AbstractProcessor, *, order_id: str, amount_cents: int) -> ChargeResult:
    """Inquire by order id: an approved charge of the right amount is kept (the caller records it), an
    approved one of another amount is voided, none at all (or declined, or voided) was never charged."""
    try:
        found = processor.inquire(order_id)
    except ProcessorUnavailable as exc:
        return Unresolved(order_id, str(exc))
    if found is None or found.status in ("declined", "voided"):
        return Declined(message=NOT_CHARGED, code=found.status if found else "not_found",
                        processor_text=found.message if found else "")
    if found.status == "approved" and found.amount_cents == amount_cents:
        return Approved(retref=found.retref, amount_cents=found.amount_cents)
    # Something we did not ask for sits under our order id: give it back rather than keep it.
    voided = processor.void(retref=found.retref)
    if isinstance(voided, Approved):
        return Declined(message=NOT_CHARGED, code="voided_after_inquiry", processor_text=found.message)
    return Unresolved(order_id, f"a {found.status} charge of {found.amount_cents} cents could not be voided: {voided}")
