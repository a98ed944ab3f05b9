"""Who is asking, for the services that show property data: a signed-in customer or 401."""
from __future__ import annotations

import pytest
from flask import Flask, g

from portal_shared.access.guard import Customer, current_customer, require_customer, signed_in_customer
from portal_shared.errors import Unauthenticated

CUSTOMER = {"kind": "request", "tenant_id": "t-1", "branch_id": "b-1", "account_kind": "customer",
            "account_id": "c-1", "session_tenant_id": "t-1"}


def test_a_signed_in_customer_is_named_by_tenant_branch_and_contact():
    assert signed_in_customer(CUSTOMER) == Customer(tenant_id="t-1", branch_id="b-1", contact_id="c-1")


@pytest.mark.parametrize("change", [
    {"account_kind": "staff"},
    {"account_kind": None},
    {"account_id": None},
    {"branch_id": None},
    {"tenant_id": None},
    {"session_tenant_id": "t-2"},
    {"session_tenant_id": None},
])
def test_anything_but_a_customer_signed_in_to_this_tenant_is_unauthenticated(change):
    with pytest.raises(Unauthenticated):
        signed_in_customer({**CUSTOMER, **change})


def test_no_claims_at_all_is_unauthenticated():
    with pytest.raises(Unauthenticated):
        signed_in_customer(None)


def test_require_customer_runs_the_view_only_for_a_customer_and_names_them():
    app = Flask(__name__)
    seen = []

    @require_customer
    def view():
        seen.append(current_customer())
        return "ok"

    with app.test_request_context():
        g.identity = {**CUSTOMER, "account_kind": "staff"}
        with pytest.raises(Unauthenticated):
            view()
    with app.test_request_context():
        g.identity = CUSTOMER
        assert view() == "ok"
    assert seen == [Customer(tenant_id="t-1", branch_id="b-1", contact_id="c-1")]
