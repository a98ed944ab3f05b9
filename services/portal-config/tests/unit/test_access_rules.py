"""Who may manage a branch portal's settings: the identity token's claims and the staff read model."""
from __future__ import annotations

import pytest

from portal_config.domain.access import (
    MANAGE_PORTAL_SETTINGS,
    Denied,
    StaffClaims,
    StaffFacts,
    check_branch_tenant,
    check_staff_may_manage,
    staff_claims,
)

TENANT, OTHER_TENANT = "2b0c7f0e-1111-4c1e-8a36-6f1f7e0b0001", "2b0c7f0e-1111-4c1e-8a36-6f1f7e0b0002"
BRANCH, STAFF = "2b0c7f0e-2222-4c1e-8a36-6f1f7e0b0001", "2b0c7f0e-3333-4c1e-8a36-6f1f7e0b0001"
STAFF_TOKEN = {"kind": "request", "tenant_id": TENANT, "branch_id": BRANCH, "account_kind": "staff",
               "account_id": STAFF, "session_tenant_id": TENANT}


def _facts(**overrides) -> StaffFacts:
    values = dict(tenant_id=TENANT, active=True, permissions=[MANAGE_PORTAL_SETTINGS], branch_ids=[BRANCH])
    values.update(overrides)
    return StaffFacts(**values)


def _status(call) -> tuple[int, str]:
    with pytest.raises(Denied) as raised:
        call()
    return raised.value.status, raised.value.code


def test_a_staff_session_of_the_tenant_names_the_staff_member():
    assert staff_claims(STAFF_TOKEN) == StaffClaims(tenant_id=TENANT, staff_id=STAFF)


@pytest.mark.parametrize("identity", [None, {}, {"kind": "request", "tenant_id": TENANT, "branch_id": BRANCH}])
def test_no_signed_in_account_is_401(identity):
    assert _status(lambda: staff_claims(identity)) == (401, "unauthenticated")


def test_a_customer_session_is_403():
    assert _status(lambda: staff_claims({**STAFF_TOKEN, "account_kind": "customer"})) == (403, "forbidden")


def test_a_platform_service_token_is_403():
    assert _status(lambda: staff_claims({"kind": "service", "service": "gateway"})) == (403, "forbidden")


@pytest.mark.parametrize("change", [{"session_tenant_id": OTHER_TENANT}, {"session_tenant_id": None},
                                    {"account_id": None}, {"account_id": "not-a-staff-id"}])
def test_a_session_of_another_tenant_or_without_an_account_is_401(change):
    assert _status(lambda: staff_claims({**STAFF_TOKEN, **change})) == (401, "unauthenticated")


def test_another_tenants_branch_or_no_branch_is_404():
    claims = staff_claims(STAFF_TOKEN)
    check_branch_tenant(claims, TENANT)
    assert _status(lambda: check_branch_tenant(claims, OTHER_TENANT)) == (404, "not_found")
    assert _status(lambda: check_branch_tenant(claims, None)) == (404, "not_found")


def test_an_active_staff_member_with_the_permission_at_the_branch_may_manage():
    check_staff_may_manage(staff_claims(STAFF_TOKEN), _facts(), BRANCH)


@pytest.mark.parametrize("facts, code", [
    (None, "forbidden"),
    (_facts(active=False), "forbidden"),
    (_facts(permissions=["send_portal_invitation"]), "missing_permission"),
    (_facts(branch_ids=[OTHER_TENANT]), "not_in_branch"),
    (_facts(tenant_id=OTHER_TENANT), "forbidden"),
])
def test_unknown_inactive_unpermitted_or_elsewhere_staff_are_403(facts, code):
    assert _status(lambda: check_staff_may_manage(staff_claims(STAFF_TOKEN), facts, BRANCH)) == (403, code)
