"""Tests of the billing service. Nothing is faked: integration/ runs the real app, CLI and worker the
service kit builds from `portal_billing.bootstrap.FEATURE`, on a throwaway PostgreSQL database and the real
RabbitMQ broker, through the fixtures of `portal_testkit.pytest_plugin`. If a server cannot be reached the
tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import pytest

from portal_billing.bootstrap import FEATURE
from portal_testkit.pytest_plugin import ServiceUnderTest, SummaryRow


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.of_feature(FEATURE)


@pytest.fixture
def summary_row() -> SummaryRow:
    """A sent invoice of $123.45 with 45 cents paid on the customer's property, and the figures /summary then adds."""
    return SummaryRow(
        insert_sql=("INSERT INTO invoices (id, tenant_id, property_id, external_id, number, invoice_date, terms_days, "
                    "due_date, total_cents, paid_cents, sent) "
                    "VALUES (:id, :t, :p, gen_random_uuid()::text, 'INV-1', DATE '2026-11-01', 30, DATE '2026-12-01', 12345, 45, true)"),
        figures={"current_balance_cents": 12_300, "invoices_due": 1},
    )
