"""Staff roles: the four inviting roles hold both invitation permissions; the others do not, and
the refusal names what is missing."""
from __future__ import annotations

import pytest

from portal_identity.domain.roles import ROLES, may_invite, missing_for_invitation, permissions_of

INVITERS = ["System Admin", "Branch Admin", "Branch Manager", "Account Manager"]
NON_INVITERS = ["Sales Rep", "Operations Manager", "Crew Leader"]


def test_the_roles_are_exactly_the_seeds_seven():
    assert set(ROLES) == set(INVITERS) | set(NON_INVITERS)


@pytest.mark.parametrize("role", INVITERS)
def test_the_four_inviting_roles_may_invite_and_miss_nothing(role):
    assert may_invite(role)
    assert missing_for_invitation(role) == []
    assert {"send_portal_invitation", "bulk_email_contacts"} <= permissions_of(role)


@pytest.mark.parametrize("role", NON_INVITERS)
def test_sales_rep_operations_manager_and_crew_leader_may_not_invite_and_the_refusal_names_both_permissions(role):
    assert not may_invite(role)
    assert missing_for_invitation(role) == ["Send Customer Portal Invitation", "Bulk Email Contacts"]


def test_an_unknown_role_has_no_permissions_and_may_not_invite():
    assert permissions_of("Intern") == frozenset()
    assert not may_invite("Intern")


def test_only_the_system_admin_manages_api_keys():
    assert [role for role in ROLES if "manage_api_keys" in permissions_of(role)] == ["System Admin"]
