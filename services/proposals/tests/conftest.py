"""Tests of the proposals service. Nothing is faked: integration/ runs the real `portal_proposals.app.create_app`
and `portal-proposals` CLI on a throwaway PostgreSQL database and the real RabbitMQ broker, through the shared
fixtures of `portal_shared.pytest_plugin` (see there for what each one is), built from `service_under_test`.
If a server cannot be reached the tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import pytest

from portal_proposals import SERVICE
from portal_proposals.adapters.orm import metadata
from portal_proposals.app import create_app
from portal_proposals.cli import consumers, loops, main
from portal_shared.pytest_plugin import ServiceUnderTest


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest(
        service=SERVICE, package="portal_proposals", create_app=create_app, metadata=metadata,
        cli_main=main, cli_loops=loops, cli_consumers=consumers,
        tables=("proposals", "property_access", "property_access_revisions", "inbox", "outbox"),
        secret="proposals-test-internal-secret-0123456789",
    )
