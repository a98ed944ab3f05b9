"""Charging a card exactly once: authorise with capture; when the answer is lost, ask the processor.

A pure function over the processor port, without a database: the caller records what it returns
in its own transaction. The order id is the caller's idempotency key for the charge (the payment's
id): the same order id must never be charged again once any attempt was sent, only inquired.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal_billing.adapters.processor import (
    AbstractProcessor, Approved, Declined, Outcome, Pending, ProcessorMisconfigured, ProcessorUnavailable, Transaction,
    Unknown,
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
    """Charge once; an unanswered charge is resolved by inquiry before this returns. Raises
    ProcessorMisconfigured when the processor refused the charge itself (our credentials): nothing was charged."""
    if amount_cents <= 0:
        raise ValueError("a charge is for a positive number of cents")
    outcome: Outcome = processor.authorize_capture(order_id=order_id, amount_cents=amount_cents, token=token,
                                                   expiry=expiry, profile=profile)
    if isinstance(outcome, Unknown):
        # Asked at once, "not found" may only mean "not arrived yet": held, the worker asks again later.
        return resolve_unknown_charge(processor, order_id=order_id, amount_cents=amount_cents,
                                      not_found_is_final=False)
    if isinstance(outcome, (Approved, Declined)):
        return outcome
    raise TypeError(f"a card charge answered {outcome!r}")


def _inquired(processor: AbstractProcessor, order_id: str, *,
              not_found_is_final: bool) -> Transaction | Declined | Unresolved:
    """What the processor holds under our order id: its transaction, or — when it holds only a declined
    or voided one, or none once the request can no longer arrive — `Declined` (nothing was taken);
    `Unresolved` when it cannot be asked, or holds nothing *yet*: a dropped connection answers at once,
    while the charge may still be on its way, so an early "not found" must not release the hold."""
    try:
        found = processor.inquire(order_id)
    except (ProcessorUnavailable, ProcessorMisconfigured) as exc:
        # Refused credentials on the inquiry say nothing about a charge already sent: held, asked again later.
        return Unresolved(order_id, str(exc))
    if found is None and not not_found_is_final:
        return Unresolved(order_id, "the processor has no record of it yet")
    if found is None or found.status in ("declined", "voided"):
        return Declined(message=NOT_CHARGED, code=found.status if found else "not_found",
                        processor_text=found.message if found else "")
    return found


def resolve_unknown_charge(processor: AbstractProcessor, *, order_id: str, amount_cents: int,
                           not_found_is_final: bool = True) -> ChargeResult:
    """Inquire by order id: an approved charge of the right amount is kept (the caller records it), an
    approved one of another amount is voided, none at all (or declined, or voided) was never charged."""
    found = _inquired(processor, order_id, not_found_is_final=not_found_is_final)
    if not isinstance(found, Transaction):
        return found
    if found.status == "approved" and found.amount_cents == amount_cents:
        return Approved(retref=found.retref, amount_cents=found.amount_cents)
    # Something we did not ask for sits under our order id: give it back rather than keep it.
    voided = processor.void(retref=found.retref)
    if isinstance(voided, Approved):
        return Declined(message=NOT_CHARGED, code="voided_after_inquiry", processor_text=found.message)
    return Unresolved(order_id, f"a {found.status} charge of {found.amount_cents} cents could not be voided: {voided}")


# -- ACH (eCheck) ------------------------------------------------------------------------------------

RETURNED = "Your bank returned the payment, so the invoice is open again."


@dataclass(frozen=True)
class Returned:
    """The bank returned an ACH debit (R01 insufficient funds, ...): the money never arrived."""
    order_id: str
    return_code: str | None
    message: str = RETURNED


DebitResult = Pending | Approved | Declined | Returned | Unresolved


def debit_bank_account(processor: AbstractProcessor, *, order_id: str, amount_cents: int, token: str) -> DebitResult:
    """Debit a tokenized bank account once: `Pending` until settled; a lost answer is inquired, never re-sent."""
    if amount_cents <= 0:
        raise ValueError("a debit is for a positive number of cents")
    outcome = processor.ach_debit(order_id=order_id, amount_cents=amount_cents, token=token)
    if isinstance(outcome, Unknown):
        return inquire_debit(processor, order_id=order_id, amount_cents=amount_cents, not_found_is_final=False)
    if isinstance(outcome, (Pending, Declined)):
        return outcome
    raise TypeError(f"an ACH debit answered {outcome!r}")


def inquire_debit(processor: AbstractProcessor, *, order_id: str, amount_cents: int,
                  not_found_is_final: bool = True) -> DebitResult:
    """Where an ACH debit stands: pending, settled (`Approved`), returned, never made (`Declined`), or unknown."""
    found = _inquired(processor, order_id, not_found_is_final=not_found_is_final)
    if not isinstance(found, Transaction):
        return found
    if found.amount_cents != amount_cents:
        return Unresolved(order_id, f"a {found.status} debit of {found.amount_cents} cents, not {amount_cents}")
    if found.status == "returned":
        return Returned(order_id, found.return_code)
    if found.status == "settled":
        return Approved(retref=found.retref, amount_cents=found.amount_cents)
    return Pending(retref=found.retref, amount_cents=found.amount_cents)
