"""The platform tests every feature service (a `portal_shared.kit.FeatureService`) runs, written once.

A feature service's tests/integration/test_platform.py is one line of its own:

    class TestBillingOnTheKit(FeatureServiceTests):
        '''billing on the kit's platform tests.'''

with two fixtures from its tests/conftest.py: `service_under_test` (`ServiceUnderTest.of_feature(FEATURE)`)
and `summary_row` (one row that /summary counts, and the figures it adds). What they cover: health,
readiness, metrics, OpenAPI, the migrations against the models, the CLI and its worker, and for
/summary: forged, expired and missing tokens, staff and cross-tenant sessions, malformed ids,
tenant, branch and property isolation, and access revoked by a newer event.
"""
from __future__ import annotations

import threading
import uuid

import pytest
import sqlalchemy as sa

from portal_shared.bus.worker import start_loops
from portal_shared.db import Database
from portal_shared.events import make_event
from portal_shared.identity_token import HEADER, sign_identity
from portal_testkit.pytest_plugin import (BRANCH, OTHER_BRANCH, OTHER_TENANT, TENANT, assert_unauthenticated, new_id,
                                          summary)
from portal_testkit.service_tests import (_access_rows, migrations_built_the_tables_exactly_as_the_models_describe,
                                          publish, readyz_answers_200_when_its_checks_answer)
from portal_testkit.service_tests import test_healthz_answers_200 as _healthz
from portal_testkit.service_tests import test_openapi_and_metrics_answer_200 as _openapi_and_metrics
from portal_testkit.service_tests import \
    test_readyz_answers_503_naming_the_database_when_it_does_not_exist as _readyz_503
from portal_testkit.testing import queue_depth, wait_for


def _zero(figures: dict) -> dict:
    return {name: 0 for name in figures}


def _times(figures: dict, n: int) -> dict:
    return {name: value * n for name, value in figures.items()}


@pytest.mark.integration
class FeatureServiceTests:
    # -- platform ----------------------------------------------------------------------------

    def test_healthz_answers_200(self, client, service_under_test):
        _healthz(client, service_under_test)

    def test_readyz_answers_200_when_the_database_and_broker_answer(self, client, service_under_test):
        readyz_answers_200_when_its_checks_answer(client, service_under_test)

    def test_readyz_answers_503_naming_the_database_when_it_does_not_exist(self, client_for, missing_database_url,
                                                                            service_under_test):
        _readyz_503(client_for, missing_database_url, service_under_test)

    def test_openapi_and_metrics_answer_200(self, client, service_under_test):
        _openapi_and_metrics(client, service_under_test)

    def test_the_migrations_built_the_tables_exactly_as_the_models_describe(self, database_url, service_under_test):
        migrations_built_the_tables_exactly_as_the_models_describe(database_url, service_under_test)

    # -- the CLI and the worker ----------------------------------------------------------------

    def test_the_worker_runs_the_relay_and_a_consumer_per_declared_handler_table(self, migrated, service_under_test):
        feature = service_under_test.feature
        consumers = feature.bus_consumers(migrated)
        assert [c.name for c in consumers] == [f"{feature.name}.access"] + [
            f"{feature.name}.{suffix}" for suffix in feature.consumers]
        assert list(consumers[0].handlers) == ["property_access_changed"]
        assert [name for name, _loop in feature.worker_loops(migrated)] == ["outbox-relay", "consumer:access"] + [
            f"consumer:{suffix}" for suffix in feature.consumers] + [f"loop:{name}" for name in feature.loops]

    def test_migrate_declares_the_access_queue_and_the_worker_applies_what_reaches_it(self, migrated,
                                                                                        service_under_test,
                                                                                        summary_row):
        from portal_shared.bus.topology import Names

        feature = service_under_test.feature
        tenant, branch, me, prop = (str(uuid.uuid4()) for _ in range(4))
        publish(migrated, make_event("property_access_changed", {
            "property_id": prop, "branch_id": branch, "revision": 1,
            "access": [{"contact_id": me, "roles": ["Billing"], "permissions": ["pay", "sign"]}],
        }, tenant_id=tenant, branch_id=branch))  # before any worker ran: the queue `migrate` declared keeps it
        queue = Names(migrated.bus.namespace).queue(f"{feature.name}.access")
        assert queue_depth(migrated.bus, queue) == 1

        db = Database(migrated.database_url)
        with db.unit_of_work() as session:
            session.execute(sa.text(summary_row.insert_sql), {"id": str(uuid.uuid4()), "t": tenant, "p": prop})
        stop = threading.Event()
        threads = start_loops(feature.worker_loops(migrated), stop)
        try:
            wait_for(lambda: queue_depth(migrated.bus, queue) == 0 and _access_rows(db) == 1, timeout=20,
                     message=f"the {feature.name}.access consumer to apply the event")
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=15)
            db.dispose()

        app = feature.create_app(migrated)
        try:
            headers = {HEADER: sign_identity({"kind": "request", "tenant_id": tenant, "branch_id": branch,
                                              "account_kind": "customer", "account_id": me,
                                              "session_tenant_id": tenant}, migrated.internal_token_secret)}
            assert app.test_client().get("/summary", headers=headers).get_json() == {
                **summary_row.figures, "property_ids": [prop]}
        finally:
            app.extensions["portal_db"].dispose()

    # -- /summary: who may ask ---------------------------------------------------------------------

    @pytest.fixture
    def counted(self, db, world, summary_row):
        """One row on each of P1 (ME's), P3 (another contact's), P4 (ME's in another branch), P5 (another
        tenant's), and one of OTHER_TENANT naming P1: only the first may ever be counted for ME."""
        rows = [(TENANT, world["p1"]), (TENANT, world["p3"]), (TENANT, world["p4"]), (OTHER_TENANT, world["p5"]),
                (OTHER_TENANT, world["p1"])]
        with db.unit_of_work() as session:
            for tenant_id, property_id in rows:
                session.execute(sa.text(summary_row.insert_sql), {"id": new_id(), "t": tenant_id, "p": property_id})
        return world

    def test_summary_without_an_identity_token_answers_401_problem_json(self, app_client, counted):
        assert_unauthenticated(app_client.get("/summary"))

    def test_summary_with_a_forged_or_expired_token_answers_401(self, app_client, counted, service_under_test):
        claims = {"kind": "request", "tenant_id": TENANT, "branch_id": BRANCH, "account_kind": "customer",
                  "account_id": counted["me"], "session_tenant_id": TENANT}
        forged = sign_identity(claims, "not-the-gateway-secret-0123456789abcdef")
        expired = sign_identity(claims, service_under_test.secret, ttl_seconds=-120)
        for token in (forged, expired, "not.a.jwt"):
            assert_unauthenticated(summary(app_client, {HEADER: token}))

    def test_summary_for_a_staff_user_or_a_session_of_another_tenant_or_without_a_branch_answers_401(
            self, app_client, headers, counted):
        me = counted["me"]
        assert_unauthenticated(summary(app_client, headers(tenant_id=TENANT, branch_id=BRANCH, account_kind="staff",
                                                          account_id=new_id(), session_tenant_id=TENANT)))
        assert_unauthenticated(summary(app_client, headers(tenant_id=TENANT, branch_id=BRANCH, account_kind="customer",
                                                          account_id=me, session_tenant_id=OTHER_TENANT)))
        assert_unauthenticated(summary(app_client, headers(tenant_id=TENANT, account_kind="customer", account_id=me,
                                                          session_tenant_id=TENANT)))
        assert_unauthenticated(summary(app_client, headers(tenant_id=TENANT, branch_id=BRANCH,
                                                          account_kind="api_key", api_key_id=new_id(),
                                                          scopes=["invoices:write"])))

    # -- /summary: what is counted -----------------------------------------------------------------

    def test_only_the_customers_own_property_in_this_branch_and_tenant_is_counted(
            self, app_client, customer_headers, counted, summary_row):
        w = counted
        response = summary(app_client, customer_headers(TENANT, BRANCH, w["me"]))
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {**summary_row.figures, "property_ids": sorted([w["p1"], w["p2"]])}

    def test_properties_of_another_contact_branch_or_tenant_are_not_counted_even_when_requested(
            self, app_client, customer_headers, counted, summary_row):
        w = counted
        headers = customer_headers(TENANT, BRANCH, w["me"])
        assert summary(app_client, headers, w["p1"], w["p3"], w["p4"], w["p5"]).get_json() == {
            **summary_row.figures, "property_ids": [w["p1"]]}
        assert summary(app_client, headers, w["p3"], w["p4"], w["p5"]).get_json() == {
            **_zero(summary_row.figures), "property_ids": []}
        assert summary(app_client, customer_headers(TENANT, OTHER_BRANCH, w["me"])).get_json() == {
            **summary_row.figures, "property_ids": [w["p4"]]}

    def test_the_property_filter_narrows_the_figures(self, app_client, customer_headers, counted, db, summary_row):
        w = counted
        with db.unit_of_work() as session:
            session.execute(sa.text(summary_row.insert_sql), {"id": new_id(), "t": TENANT, "p": w["p2"]})
        headers = customer_headers(TENANT, BRANCH, w["me"])
        assert summary(app_client, headers).get_json() == {**_times(summary_row.figures, 2),
                                                           "property_ids": sorted([w["p1"], w["p2"]])}
        assert summary(app_client, headers, w["p2"]).get_json() == {**summary_row.figures, "property_ids": [w["p2"]]}

    def test_an_unknown_property_counts_nothing_and_a_malformed_one_answers_422(self, app_client, customer_headers,
                                                                                 counted):
        headers = customer_headers(TENANT, BRANCH, counted["me"])
        assert summary(app_client, headers, new_id()).get_json()["property_ids"] == []
        for malformed in ("not-a-uuid", "1" * 40, "%00"):
            response = summary(app_client, headers, malformed)
            assert response.status_code == 422 and response.mimetype == "application/problem+json", malformed

    def test_with_empty_tables_a_customer_gets_zeros_and_no_properties(self, app_client, customer_headers,
                                                                        summary_row):
        assert summary(app_client, customer_headers(TENANT, BRANCH, new_id())).get_json() == {
            **_zero(summary_row.figures), "property_ids": []}

    def test_access_taken_away_by_a_newer_event_stops_counting(self, app_client, customer_headers, grant, counted,
                                                               summary_row):
        w = counted
        grant(TENANT, BRANCH, w["p1"], {w["other"]: ["Other"]}, revision=2)
        assert summary(app_client, customer_headers(TENANT, BRANCH, w["me"])).get_json() == {
            **_zero(summary_row.figures), "property_ids": [w["p2"]]}
        # ...and a late copy of the older list does not give it back.
        grant(TENANT, BRANCH, w["p1"], {w["me"]: ["Primary"]}, revision=1)
        assert summary(app_client, customer_headers(TENANT, BRANCH, w["me"])).get_json()["property_ids"] == [w["p2"]]

    def test_the_summary_is_documented_in_openapi(self, app_client, summary_row, service_under_test):
        spec = app_client.get("/openapi.json").get_json()
        operation = spec["paths"]["/summary"]["get"]
        assert {"200", "401", "422"} <= set(operation["responses"])
        assert [p["name"] for p in operation["parameters"]] == ["property_id"]
        schema = spec["components"]["schemas"][service_under_test.feature.summary.schema.__name__]
        assert set(schema["properties"]) == {*summary_row.figures, "property_ids"}
