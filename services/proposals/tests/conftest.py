"""Tests of the proposals service. Nothing is faked: integration/ runs the real app, CLI and worker the
service kit builds from `portal_proposals.bootstrap.FEATURE`, on a throwaway PostgreSQL database and the real
RabbitMQ broker, through the fixtures of `portal_testkit.pytest_plugin`. If a server cannot be reached the
tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import pytest

from portal_proposals.bootstrap import FEATURE
from portal_testkit.pytest_plugin import ServiceUnderTest, SummaryRow


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.of_feature(FEATURE)


@pytest.fixture
def summary_row() -> SummaryRow:
    """A sent proposal on the customer's property, and the figures /summary then adds."""
    return SummaryRow(
        insert_sql=("WITH p AS (INSERT INTO proposals (id, tenant_id, property_id, external_id, number, status) "
                    "VALUES (CAST(:id AS uuid), :t, :p, CAST(:id AS text), '1', 'Delivered') RETURNING id, tenant_id) "
                    "INSERT INTO proposal_versions (id, tenant_id, proposal_id, version, name, type, price_cents, "
                    "content_sha256, sent_on) SELECT gen_random_uuid(), tenant_id, id, 1, 'Spring Cleanup', "
                    "'Work Order', 348000, repeat('0', 64), CURRENT_DATE FROM p"),
        figures={"pending_proposals": 1},
    )
