"""What proposals' own tests add to the testkit's fixtures: the back office's API key (as the gateway
vouches for it), identity's directory and portal-config's settings events applied by proposals' real
handlers, and a proposal document that adds up (the demo's #88)."""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from portal_proposals.service_layer.branch_settings import apply_portal_settings_updated
from portal_proposals.service_layer.directory import DIRECTORY_HANDLERS
from portal_shared.events import make_event
from portal_testkit.pytest_plugin import BRANCH, OTHER_BRANCH, OTHER_TENANT, OTHER_TENANT_BRANCH, TENANT


@pytest.fixture
def back_office(headers):
    """back_office(tenant, scopes=("proposals:write",)): the gateway's token for a company's API key."""
    def make(tenant_id: str = TENANT, scopes=("proposals:write",)) -> dict[str, str]:
        return headers(account_kind="api_key", tenant_id=tenant_id, api_key_id="key-1", scopes=list(scopes))
    return make


@pytest.fixture
def directory(db):
    """property(tenant, branch, id, external_id, **fields): identity's event, applied by proposals.directory."""
    def property_(tenant_id, branch_id, property_id, external_id, revision=1, **fields):
        data = {"property_id": property_id, "branch_id": branch_id, "name": f"Property {external_id}",
                "street": "515 Warnock", "city": "Columbia", "state": "Illinois", "zip": "62236",
                "account_owner_id": None, "operations_manager_id": None, "sales_rep_id": None,
                "revision": revision, "external_id": external_id, **fields}
        with db.unit_of_work() as session:
            return DIRECTORY_HANDLERS["property_upserted"](
                session, make_event("property_upserted", data, tenant_id=tenant_id, branch_id=branch_id))
    return property_


@pytest.fixture
def known(world, directory):
    """`world`'s properties in proposals' directory, by external ids "p1".."p5"."""
    w = world
    for key, tenant, branch in (("p1", TENANT, BRANCH), ("p2", TENANT, BRANCH), ("p3", TENANT, BRANCH),
                                ("p4", TENANT, OTHER_BRANCH), ("p5", OTHER_TENANT, OTHER_TENANT_BRANCH)):
        directory(tenant, branch, w[key], key)
    return w


SETTINGS = {
    "page_title": "Portal", "login_page_text": None, "login_logo_url": None, "display_font": "Open Sans",
    "input_font": "Open Sans", "background_color": "#ffffff", "border_color": "#d0d7de", "nav_logo_url": None,
    "nav_title": "Portal", "nav_background_color": "#1b5e20", "nav_font_color": "#ffffff",
    "button_background_color": "#2e7d32", "button_font": "Open Sans", "button_font_color": "#ffffff",
    "dashboard_text": None, "dashboard_font": "Open Sans", "dashboard_font_color": "#1f2a1e", "carousel": [],
    "show_invoices": True, "show_proposals": True, "show_requests": True, "show_visits": True,
    "proposal_window_days": None, "show_service_details": True, "show_sales_rep_phone": True,
    "electronic_payments": False, "accepted_payment_types": [], "partial_payments": False,
    "card_convenience_fee_percent": "0.00", "invitation_subject": "s", "invitation_body": "b [CustomerPortalLink]",
    "invitation_link_description": "d",
}


@pytest.fixture
def branch_settings(db):
    """branch_settings(version=1, tenant=TENANT, branch=BRANCH, **changes): portal-config's event, applied."""
    def apply(version: int = 1, tenant_id: str = TENANT, branch_id: str = BRANCH, **changes):
        event = make_event("portal_settings_updated", {
            "branch_id": branch_id, "version": version, "updated_by": None, "settings": {**SETTINGS, **changes}},
            tenant_id=tenant_id, branch_id=branch_id)
        with db.unit_of_work() as session:
            return apply_portal_settings_updated(session, event)
    return apply


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


PROPOSAL_88 = {
    "number": "88", "name": "Major Landscaping Project 2024", "property_external_id": "p1", "type": "Work Order",
    "status": "Delivered", "sent": True, "sent_date": "2025-03-18", "start_date": None, "price": "44579.33",
    "services": [{"name": "Mulch Install", "visits": 1, "amount": "40749.60"},
                 {"name": "Plant Installation", "visits": 1, "amount": "2135.00"},
                 {"name": "EN- Shrub Installation", "visits": 1, "amount": "1694.73"}],
    "optional_services": [{"name": "Seasonal Color Rotation", "visits": 2, "amount": "1250.00"},
                          {"name": "Irrigation Audit", "visits": 1, "amount": "350.00"}],
    "sales_rep": {"name": "Camilla Sailor", "title": "COO", "email": "cseiler@example.com",
                  "phone": "(314) 555-0142"},
    "requests": [{"external_id": "crm-issue-12", "number": "12"}],
    "invoices": [{"external_id": "crm-inv-18", "number": "18"}],
}


@pytest.fixture
def proposal_88():
    """The seeds' proposal #88 (three services, $44,579.33, two optional services) on P1; a fresh copy,
    starting 20 days from today."""
    return {**copy.deepcopy(PROPOSAL_88), "start_date": days(20)}


def one_service(number: str, property_key: str, price: str, *, status: str = "Delivered", start: int | None = 10,
                sent: bool = True, name: str = "Spring Cleanup", **extra) -> dict:
    return {"number": number, "name": name, "property_external_id": property_key, "type": "Work Order",
            "status": status, "sent": sent, "sent_date": "2025-03-02" if sent else None,
            "start_date": None if start is None else days(start), "price": price,
            "services": [{"name": name, "visits": 1, "amount": price}], **extra}


def put_proposal(client, headers, external_id, body):
    return client.put(f"/integration/proposals/{external_id}", json=body, headers=headers)


def sign(db, proposal_id: str, version: int, contact_id: str) -> None:
    """What signing (the signing part, not this one) leaves on the version a customer signed."""
    with db.unit_of_work() as session:
        session.execute(sa.text("UPDATE proposal_versions SET signed_at = now(), signed_by = :c "
                                "WHERE proposal_id = :p AND version = :v"), {"c": contact_id, "p": proposal_id, "v": version})
