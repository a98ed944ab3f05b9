"""The proposal rules customers rely on, without I/O: the portal's statuses, who may sign, the N-day
window, the titles, the document check in cents and its digest."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal_proposals.domain import proposals as rules

TODAY = date(2025, 3, 20)


@pytest.mark.parametrize("status, signed, shown", [
    ("Delivered", False, "Pending"), ("Delivered", True, "Accepted"), ("Won", False, "Accepted"),
    ("Approved", False, "Accepted"), ("In Production", False, "Accepted"), ("Lost", False, "Rejected"),
    ("Lost", True, "Rejected"),
])
def test_the_back_offices_statuses_read_as_the_portals_three(status, signed, shown):
    assert rules.portal_status(status, signed) == shown


def test_only_a_delivered_unsigned_proposal_may_be_signed():
    assert rules.may_be_signed("Delivered", False)
    assert not any(rules.may_be_signed(s, False) for s in ("Approved", "In Production", "Won", "Lost"))
    assert not rules.may_be_signed("Delivered", True)


@pytest.mark.parametrize("start, days, shown", [
    (date(2025, 4, 9), 60, True), (date(2025, 6, 3), 60, False), (date(2025, 5, 19), 60, True),
    (date(2025, 1, 19), 60, True), (date(2025, 1, 18), 60, False), (None, 60, True), (date(2030, 1, 1), None, True),
])
def test_the_window_shows_start_dates_within_n_days_either_side(start, days, shown):
    assert rules.within_window(start, TODAY, days) is shown


def test_titles_read_as_the_seeds_show_them():
    assert rules.title("88", "Major Landscaping Project 2024") == "Proposal #88: Major Landscaping Project 2024"
    assert rules.title("88", "") == "Proposal #88"


def _doc(**changes):
    return {"name": "Spring Cleanup", "type": "Work Order", "price": Decimal("3480.00"), "sent": True,
            "sent_date": TODAY, "services": [{"name": "Spring Cleanup", "visits": 1, "amount": Decimal("3480.00")}],
            "optional_services": [{"name": "Mulch", "visits": None, "amount": Decimal("99.99")}], **changes}


def test_a_document_in_cents_with_a_stable_digest():
    errors, document = rules.check_document(_doc())
    assert errors == {}
    assert document["price_cents"] == 348_000 and document["optional_services"][0]["amount_cents"] == 9_999
    assert rules.content_sha256(document) == rules.content_sha256(rules.check_document(_doc())[1])
    assert rules.content_sha256(document) != rules.content_sha256(rules.check_document(_doc(name="Fall"))[1])


def test_a_price_that_is_not_the_services_sum_or_a_sent_proposal_without_date_is_refused():
    errors, _ = rules.check_document(_doc(price=Decimal("3480.01"), sent_date=None))
    assert set(errors) == {"price", "sent_date"}


def test_the_total_adds_the_chosen_optional_services():
    optional = [{"name": "Seasonal Color Rotation", "amount_cents": 125_000},
                {"name": "Irrigation Audit", "amount_cents": 35_000}]
    assert rules.total_with(4_457_933, optional, ["Irrigation Audit"]) == 4_492_933   # the demo's $44,929.33
    assert rules.total_with(4_457_933, optional, []) == 4_457_933
