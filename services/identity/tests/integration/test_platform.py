"""The identity service answers health, readiness (database, broker, Redis), OpenAPI and metrics;
its migrations built exactly the tables the models describe.

The tests are the shared ones of `portal_testkit.service_tests`, run on this service's `service_under_test`."""
import pytest

from portal_testkit.service_tests import (  # noqa: F401 - pytest collects the imported tests, in this order
    test_healthz_answers_200,
    readyz_answers_200_when_its_checks_answer as test_readyz_answers_200_when_the_database_broker_and_redis_answer,
    test_readyz_answers_503_naming_the_database_when_it_does_not_exist,
    test_openapi_and_metrics_answer_200,
    migrations_built_the_tables_exactly_as_the_models_describe as
    test_the_migrations_built_the_outbox_inbox_and_people_tables_exactly_as_the_models_describe,
)

pytestmark = pytest.mark.integration
