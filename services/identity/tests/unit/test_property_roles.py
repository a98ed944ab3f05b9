"""What a contact's role on a property lets them do: identity's rule, published to every service."""
from portal_identity.domain.property_roles import permissions_for


def test_only_the_primary_and_billing_contacts_may_pay_and_sign():
    assert permissions_for(["Primary"]) == ["pay", "sign"]
    assert permissions_for(["Billing"]) == ["pay", "sign"]
    assert permissions_for(["Other"]) == []


def test_several_roles_grant_the_union_and_an_unknown_role_grants_nothing():
    assert permissions_for(["Other", "Billing"]) == ["pay", "sign"]
    assert permissions_for(["Owner?"]) == []
    assert permissions_for([]) == []
