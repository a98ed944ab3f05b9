"""Tests of the requests service. Nothing is faked: integration/ runs the real app, CLI and worker the
service kit builds from `portal_requests.bootstrap.FEATURE`, on a throwaway PostgreSQL database and the real
RabbitMQ broker, through the fixtures of `portal_testkit.pytest_plugin`. If a server cannot be reached the
tests FAIL saying which; they never skip.
"""
from __future__ import annotations

import pytest

from portal_requests.bootstrap import FEATURE
from portal_testkit.pytest_plugin import ServiceUnderTest, SummaryRow


@pytest.fixture(scope="session")
def service_under_test() -> ServiceUnderTest:
    return ServiceUnderTest.of_feature(FEATURE)


@pytest.fixture
def summary_row() -> SummaryRow:
    """An open request on the customer's property, and the figures /summary then adds."""
    return SummaryRow(
        insert_sql=("INSERT INTO requests (id, tenant_id, property_id, number, status) "
                    "VALUES (:id, :t, :p, 'R-1', 'Open')"),
        figures={"pending_requests": 1},
    )


# -- what requests' own tests add -------------------------------------------------------------------

@pytest.fixture
def storage(app_client, tmp_path):
    """The attachments' storage: real local disk, in a throwaway folder."""
    from portal_requests.entrypoints.api import STORAGE
    from portal_shared.storage import LocalDiskStorage

    store = LocalDiskStorage(tmp_path / "storage")
    app_client.application.extensions[STORAGE] = store
    return store


@pytest.fixture
def back_office(headers):
    """back_office(tenant, scopes=("requests:write",)): the gateway's token for a company's API key."""
    def make(tenant_id: str | None = None, scopes=("requests:write",)) -> dict[str, str]:
        from portal_testkit.pytest_plugin import TENANT
        return headers(account_kind="api_key", tenant_id=tenant_id or TENANT, api_key_id="key-1", scopes=list(scopes))
    return make


@pytest.fixture
def directory(db):
    """Identity's events (property, contact, staff) applied by the requests.directory consumer's handlers."""
    from portal_requests.service_layer.directory import DIRECTORY_HANDLERS
    from portal_shared.events import make_event

    def apply(event_type, data, tenant_id, branch_id=None):
        with db.unit_of_work() as session:
            return DIRECTORY_HANDLERS[event_type](session, make_event(event_type, data, tenant_id=tenant_id,
                                                                      branch_id=branch_id))

    class Directory:
        @staticmethod
        def property(tenant_id, branch_id, property_id, external_id, revision=1, **fields):
            return apply("property_upserted", {
                "property_id": property_id, "branch_id": branch_id, "name": f"Property {external_id}",
                "street": "515 Warnock", "city": "Columbia", "state": "Illinois", "zip": "62236",
                "account_owner_id": None, "operations_manager_id": None, "sales_rep_id": None,
                "revision": revision, "external_id": external_id, **fields}, tenant_id, branch_id)

        @staticmethod
        def contact(tenant_id, contact_id, external_id, revision=1, **fields):
            return apply("contact_upserted", {
                "contact_id": contact_id, "email": f"{external_id}@example.com", "first_name": "Camilla",
                "last_name": "Sailor", "verified": True, "revision": revision, "external_id": external_id,
                **fields}, tenant_id)

        @staticmethod
        def staff(tenant_id, staff_id, email, first_name, last_name, active=True):
            return apply("staff_upserted", {
                "staff_id": staff_id, "email": email, "first_name": first_name, "last_name": last_name,
                "title": None, "phone": None, "role": "Account Manager", "permissions": [], "branch_ids": [],
                "active": active}, tenant_id)

    return Directory()


@pytest.fixture
def known(world, directory):
    """`world`'s properties in requests' directory (external ids "p1".."p5"; p1 and p2 looked after by OWNER and
    OPS), ME as "me" (Camilla) and OTHER as "other" (April)."""
    from portal_testkit.pytest_plugin import BRANCH, OTHER_BRANCH, OTHER_TENANT, OTHER_TENANT_BRANCH, TENANT, new_id

    w = dict(world)
    w["owner"], w["ops"] = new_id(), new_id()
    directory.staff(TENANT, w["owner"], "owner@example.com", "Jordan", "Blake")
    directory.staff(TENANT, w["ops"], "ops@example.com", "Riley", "Chen")
    for key, tenant, branch in (("p1", TENANT, BRANCH), ("p2", TENANT, BRANCH), ("p3", TENANT, BRANCH),
                                ("p4", TENANT, OTHER_BRANCH), ("p5", OTHER_TENANT, OTHER_TENANT_BRANCH)):
        staff = {"account_owner_id": w["owner"], "operations_manager_id": w["ops"]} if tenant == TENANT else {}
        directory.property(tenant, branch, w[key], key, **staff)
    directory.contact(TENANT, w["me"], "me")
    directory.contact(TENANT, w["other"], "other", first_name="April", last_name="Malmba")
    return w
