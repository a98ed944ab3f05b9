"""Tests of the visits service. Nothing is faked: integration/ runs the real app, CLI and worker the
service kit builds from `portal_visits.bootstrap.FEATURE`, on a throwaway PostgreSQL database and the real
RabbitMQ broker, through the fixtures of `portal_testkit.pytest_plugin`. If a server cannot be reached the
tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import pytest

from portal_visits.bootstrap import FEATURE
from portal_testkit.pytest_plugin import ServiceUnderTest, SummaryRow


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.of_feature(FEATURE)


@pytest.fixture
def summary_row() -> SummaryRow:
    """A visit scheduled in two days on the customer's property, and the figures /summary then adds."""
    return SummaryRow(
        insert_sql=("INSERT INTO visits (id, tenant_id, property_id, scheduled_for, status, external_id) "
                    "VALUES (:id, :t, :p, now() + interval '2 days', 'Scheduled', gen_random_uuid()::text)"),
        figures={"upcoming_visits": 1},
    )
