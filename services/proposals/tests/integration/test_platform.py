"""proposals on the service kit's platform tests (health, readiness, metrics, OpenAPI, migrations, worker,
and who /summary counts for whom): `portal_testkit.feature_service_tests`."""
from portal_testkit.feature_service_tests import FeatureServiceTests


class TestProposalsOnTheKit(FeatureServiceTests):
    """Everything the kit promises, on proposals's declaration and summary row."""
