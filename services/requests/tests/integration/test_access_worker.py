"""`portal-requests migrate` declares the requests.access queue, and the worker's consumer keeps
property_access current from identity's property_access_changed events (real broker, real database).

The tests are the shared ones of `portal_shared.service_tests`, run on this service's `service_under_test`."""
import pytest

from portal_shared.pytest_plugin import SummaryRow
from portal_shared.service_tests import (  # noqa: F401 - pytest collects the imported tests, in this order
    cli_names_the_access_consumer as test_the_cli_names_the_requests_access_consumer_for_property_access_changed,
    test_migrate_declares_the_access_queue_and_the_worker_applies_what_reaches_it,
)


@pytest.fixture
def summary_row() -> SummaryRow:
    """An open request on the customer's property, and the figures /summary then answers."""
    return SummaryRow(
        insert_sql=("INSERT INTO requests (id, tenant_id, property_id, number, status) "
                    "VALUES (:id, :t, :p, 'R-1', 'Open')"),
        figures={"pending_requests": 1},
    )
