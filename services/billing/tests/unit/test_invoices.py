"""billing's invoice rules, without I/O: cents, lines that add up, due dates, balances and titles."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from portal_billing.domain.invoices import (DUE, PAID, PENDING, cents, check_document, due_date,
                                            extended_cents, status, terms_label, title)


def doc(**changes):
    base = {
        "number": "18", "invoice_date": date(2024, 8, 29), "terms_days": 90,
        "opportunities": [{"number": "56", "name": "Irrigation Inspections"}],
        "services": [{"opportunity_number": "56", "name": "Irrigation Inspection", "sales_tax": Decimal("1.30"),
                      "total": Decimal("208.00"),
                      "lines": [{"quantity": Decimal("3.18"), "item": "Lead Tech", "unit_price": Decimal("65.00"),
                                 "extended_price": Decimal("206.70")}]}],
        "total": Decimal("208.00"), "payments": [],
    }
    return {**base, **changes}


def test_money_is_exact_in_cents_and_extended_prices_round_half_up():
    assert cents(Decimal("238.70")) == 23_870 and cents("0.1") == 10
    assert extended_cents("3.18", "65.00") == 20_670
    assert extended_cents("0.333", "1.50") == 50          # 0.4995 → 0.50
    assert extended_cents("0.001", "1.00") == 0


def test_net_terms_give_the_due_date():
    assert due_date(date(2024, 8, 29), 90) == date(2024, 11, 27)
    assert terms_label(30) == "Net 30"


def test_a_document_that_adds_up_is_answered_in_cents():
    errors, computed = check_document(doc())
    assert errors == {}
    assert computed["total_cents"] == 20_800 and computed["services"][0]["sales_tax_cents"] == 130
    assert computed["services"][0]["lines"][0]["extended_price_cents"] == 20_670


def test_each_figure_that_does_not_add_up_is_named():
    bad = doc(total=Decimal("300.00"), payments=[{"external_id": "p", "paid_on": date(2024, 9, 1),
                                                  "amount": Decimal("301.00")}])
    bad["services"][0]["lines"][0]["extended_price"] = Decimal("206.71")
    errors, _ = check_document(bad)
    assert set(errors) == {"services.0.lines.0.extended_price", "services.0.total", "total", "payments"}


def test_a_service_without_lines_is_taken_at_its_total():
    errors, computed = check_document(doc(services=[{"opportunity_number": "56", "name": "Weekly Maintenance",
                                                     "sales_tax": Decimal("0"), "total": Decimal("208.00"),
                                                     "lines": []}]))
    assert errors == {} and computed["services"][0]["total_cents"] == 20_800


def test_an_invoice_with_a_balance_is_due_and_without_one_paid():
    assert status(23_870) == DUE and status(0) == PAID


def test_nothing_left_to_pay_but_a_payment_not_yet_settled_is_pending_not_paid():
    assert status(0, pending=23_870) == PENDING
    assert status(100, pending=23_770) == DUE                  # something is still to pay: Due wins


def test_the_title_names_the_opportunity_only_when_there_is_one():
    assert title("6", [{"number": "15", "name": "Weekly Maintenance"}]) == "Invoice #6: Weekly Maintenance"
    assert title("18", [{"number": "56", "name": "A"}, {"number": "58", "name": "B"}]) == "Invoice #18"
