"""An account statement, as pure arithmetic: every dated movement of a property's account (invoices add,
payments and applied credits take away), the opening balance (everything before the range), the lines
in the range with a running balance, and the closing balance. No I/O.

Unapplied credits lower nothing the customer owes until the back office applies them (the seeds' rule,
the same as *Current Balance*): the statement lists them apart and counts none of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MAX_RANGE = timedelta(days=3 * 366)     # "from" to "to": at most three years (a leap day included)

INVOICE, PAYMENT, CREDIT = "invoice", "payment", "credit"


@dataclass(frozen=True)
class Movement:
    on: date
    kind: str               # invoice | payment | credit
    description: str
    amount_cents: int       # positive: what it adds (invoice) or takes away (payment, credit)

    @property
    def signed_cents(self) -> int:
        return self.amount_cents if self.kind == INVOICE else -self.amount_cents


@dataclass(frozen=True)
class Line:
    movement: Movement
    balance_cents: int      # the account's balance after this line


@dataclass(frozen=True)
class Statement:
    start: date
    end: date
    opening_cents: int
    lines: tuple[Line, ...]
    closing_cents: int
    invoiced_cents: int
    paid_cents: int
    credited_cents: int


_ORDER = {INVOICE: 0, CREDIT: 1, PAYMENT: 2}


def range_errors(start: date, end: date) -> dict[str, list[str]]:
    """Field errors of a statement's range ({} when it is fine)."""
    if end < start:
        return {"to": ["Must be on or after \"from\"."]}
    if end - start > MAX_RANGE:
        return {"to": ["A statement covers at most three years."]}
    return {}


def statement(movements: list[Movement], *, start: date, end: date) -> Statement:
    """The statement of [start, end] (both days included) from all the account's movements up to `end`."""
    opening = sum(m.signed_cents for m in movements if m.on < start)
    inside = sorted((m for m in movements if start <= m.on <= end),
                    key=lambda m: (m.on, _ORDER[m.kind], m.description))
    lines, balance = [], opening
    for movement in inside:
        balance += movement.signed_cents
        lines.append(Line(movement, balance))
    return Statement(start=start, end=end, opening_cents=opening, lines=tuple(lines), closing_cents=balance,
                     invoiced_cents=sum(m.amount_cents for m in inside if m.kind == INVOICE),
                     paid_cents=sum(m.amount_cents for m in inside if m.kind == PAYMENT),
                     credited_cents=sum(m.amount_cents for m in inside if m.kind == CREDIT))
