"""What billing's own tests add to the testkit's fixtures: the back office's API key (as the gateway
vouches for it), identity's directory events applied by billing's real handlers, and an invoice
document that adds up."""
from __future__ import annotations

import copy

import pytest

from portal_billing.service_layer.directory import (
    apply_contact_upserted, apply_property_upserted, apply_staff_upserted,
)
from portal_shared.events import make_event
from portal_testkit.pytest_plugin import BRANCH, OTHER_BRANCH, OTHER_TENANT, OTHER_TENANT_BRANCH, TENANT


@pytest.fixture
def back_office(headers):
    """back_office(tenant, scopes=("invoices:write",)): the gateway's token for a company's API key."""
    def make(tenant_id: str = TENANT, scopes=("invoices:write",)) -> dict[str, str]:
        return headers(account_kind="api_key", tenant_id=tenant_id, api_key_id="key-1", scopes=list(scopes))
    return make


@pytest.fixture
def directory(db):
    """property(tenant, branch, id, external_id, **fields) / contact(tenant, id, external_id, **fields) /
    staff(tenant, id, **fields): identity's events, applied by the billing.directory consumer's handlers."""
    class Directory:
        @staticmethod
        def property(tenant_id, branch_id, property_id, external_id, revision=1, **fields):
            data = {"property_id": property_id, "branch_id": branch_id, "name": f"Property {external_id}",
                    "street": "515 Warnock", "city": "Columbia", "state": "Illinois", "zip": "62236",
                    "account_owner_id": None, "operations_manager_id": None, "sales_rep_id": None,
                    "revision": revision, "external_id": external_id, **fields}
            with db.unit_of_work() as session:
                return apply_property_upserted(session, make_event("property_upserted", data, tenant_id=tenant_id,
                                                                   branch_id=branch_id))

        @staticmethod
        def contact(tenant_id, contact_id, external_id, revision=1, **fields):
            data = {"contact_id": contact_id, "email": f"{external_id}@example.com", "first_name": "Camilla",
                    "last_name": "Sailor", "verified": True, "revision": revision, "external_id": external_id,
                    **fields}
            with db.unit_of_work() as session:
                return apply_contact_upserted(session, make_event("contact_upserted", data, tenant_id=tenant_id))

        @staticmethod
        def staff(tenant_id, staff_id, **fields):
            data = {"staff_id": staff_id, "email": "rep@example.com", "first_name": "Morgan", "last_name": "Reyes",
                    "title": "Sales Representative", "phone": "(314) 555-0142", "role": "Sales Rep",
                    "permissions": [], "branch_ids": [BRANCH], "active": True, **fields}
            with db.unit_of_work() as session:
                return apply_staff_upserted(session, make_event("staff_upserted", data, tenant_id=tenant_id))

    return Directory()


@pytest.fixture
def known(world, directory):
    """`world`'s properties in billing's directory (external ids "p1".."p5"), ME as "me" and OTHER as "other"."""
    w = world
    for key, tenant, branch in (("p1", TENANT, BRANCH), ("p2", TENANT, BRANCH), ("p3", TENANT, BRANCH),
                                ("p4", TENANT, OTHER_BRANCH), ("p5", OTHER_TENANT, OTHER_TENANT_BRANCH)):
        directory.property(tenant, branch, w[key], key)
    directory.contact(TENANT, w["me"], "me")
    directory.contact(TENANT, w["other"], "other", first_name="April", last_name="Malmba")
    return w


INVOICE_18 = {
    "number": "18", "invoice_date": "2024-08-29", "terms_days": 90, "property_external_id": "p1",
    "billing_contact_external_id": "me",
    "opportunities": [{"number": "56", "name": "Irrigation Inspections"}, {"number": "58", "name": "Irrigation Repair"}],
    "services": [
        {"opportunity_number": "56", "name": "Irrigation Inspection", "sales_tax": "0.00", "total": "206.70",
         "lines": [{"quantity": "3.18", "item": "Lead Tech - 08/28/24", "unit_price": "65.00",
                    "extended_price": "206.70"}]},
        {"opportunity_number": "58", "name": "IR- Irrigation Repair - Emergency", "sales_tax": "0.00",
         "total": "32.00",
         "lines": [{"quantity": "2.00", "item": "1\" Poly Pipe (Material)", "unit_price": "1.00",
                    "extended_price": "2.00"},
                   {"quantity": "5.00", "item": "6\" Pop Up Spray Head (Material)", "unit_price": "6.00",
                    "extended_price": "30.00"}]},
    ],
    "total": "238.70", "payments": [], "sent": True,
}


@pytest.fixture
def invoice_18():
    """The seeds' invoice #18 (two opportunities, $238.70), on P1, billed to ME; a fresh copy to change."""
    return copy.deepcopy(INVOICE_18)


def single(number: str, property_key: str, total: str, *, date: str = "2024-09-30", paid: str | None = None,
           name: str = "Weekly Maintenance", billing: str | None = None, sent: bool = True, **extra) -> dict:
    """A one-opportunity invoice with no line detail."""
    return {"number": number, "invoice_date": date, "terms_days": 30, "property_external_id": property_key,
            "billing_contact_external_id": billing, "opportunities": [{"number": f"o{number}", "name": name}],
            "services": [{"opportunity_number": f"o{number}", "name": name, "total": total}], "total": total,
            "payments": [] if paid is None else [{"external_id": f"pay-{number}", "paid_on": date, "amount": paid}],
            "sent": sent, **extra}
