"""`portal-billing migrate` declares the billing.access queue, and the worker's consumer keeps
property_access current from identity's property_access_changed events (real broker, real database).

The tests are the shared ones of `portal_shared.service_tests`, run on this service's `service_under_test`."""
import pytest

from portal_shared.pytest_plugin import SummaryRow
from portal_shared.service_tests import (  # noqa: F401 - pytest collects the imported tests, in this order
    cli_names_the_access_consumer as test_the_cli_names_the_billing_access_consumer_for_property_access_changed,
    test_migrate_declares_the_access_queue_and_the_worker_applies_what_reaches_it,
)


@pytest.fixture
def summary_row() -> SummaryRow:
    """An open invoice on the customer's property, and the figures /summary then answers."""
    return SummaryRow(
        insert_sql=("INSERT INTO invoices (id, tenant_id, property_id, number, total_cents, paid_cents, status) "
                    "VALUES (:id, :t, :p, 'INV-1', 12345, 45, 'Open')"),
        figures={"current_balance_cents": 12_300, "invoices_due": 1},
    )
