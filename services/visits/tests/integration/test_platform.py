"""visits on the service kit's platform tests (health, readiness, metrics, OpenAPI, migrations, worker,
and who /summary counts for whom): `portal_testkit.feature_service_tests`."""
from portal_testkit.feature_service_tests import FeatureServiceTests


class TestVisitsOnTheKit(FeatureServiceTests):
    """Everything the kit promises, on visits's declaration and summary row."""
