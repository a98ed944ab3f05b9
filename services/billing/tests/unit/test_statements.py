"""The statement's arithmetic (domain/statements.py): opening, lines with a running balance, closing."""
from datetime import date

from portal_billing.domain.statements import CREDIT, INVOICE, PAYMENT, Movement, range_errors, statement


def test_opening_is_everything_before_the_range_and_closing_adds_the_lines():
    movements = [Movement(date(2024, 1, 5), INVOICE, "Invoice #1", 10_000),
                 Movement(date(2024, 1, 20), PAYMENT, "Payment, invoice #1", 4_000),
                 Movement(date(2024, 2, 1), INVOICE, "Invoice #2", 5_000),
                 Movement(date(2024, 2, 1), PAYMENT, "Payment, invoice #1", 6_000),
                 Movement(date(2024, 2, 3), CREDIT, "Credit, invoice #2", 500),
                 Movement(date(2024, 3, 2), INVOICE, "Invoice #3", 9_999)]
    s = statement(movements, start=date(2024, 2, 1), end=date(2024, 2, 29))
    assert s.opening_cents == 6_000
    assert [(line.movement.description, line.balance_cents) for line in s.lines] == [
        ("Invoice #2", 11_000), ("Payment, invoice #1", 5_000), ("Credit, invoice #2", 4_500)]
    assert (s.closing_cents, s.invoiced_cents, s.paid_cents, s.credited_cents) == (4_500, 5_000, 6_000, 500)


def test_an_empty_range_keeps_the_opening_balance():
    s = statement([Movement(date(2024, 1, 5), INVOICE, "Invoice #1", 10_000)], start=date(2024, 6, 1),
                  end=date(2024, 6, 30))
    assert (s.opening_cents, s.lines, s.closing_cents) == (10_000, (), 10_000)


def test_the_range_runs_forward_and_covers_at_most_three_years():
    assert range_errors(date(2024, 1, 1), date(2024, 1, 1)) == {}
    assert range_errors(date(2021, 1, 1), date(2024, 1, 1)) == {}
    assert "to" in range_errors(date(2024, 1, 2), date(2024, 1, 1))
    assert "to" in range_errors(date(2020, 1, 1), date(2024, 1, 1))
