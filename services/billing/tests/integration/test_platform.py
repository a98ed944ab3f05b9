"""billing on the service kit's platform tests (health, readiness, metrics, OpenAPI, migrations, worker,
and who /summary counts for whom): `portal_testkit.feature_service_tests`."""
from portal_testkit.feature_service_tests import FeatureServiceTests


class TestBillingOnTheKit(FeatureServiceTests):
    """Everything the kit promises, on billing's declaration and summary row."""
