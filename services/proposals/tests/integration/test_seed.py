"""The demo seed writes deploy/demo-data.json's ten proposals once identity's properties have reached
proposals, and the demo's expected figures follow: 2 pending proposals on `demo` (1 with a 60-day
window), #88 with its optional services and the demo's total with the Irrigation Audit, the sales rep
from the property's. A second run changes nothing (no new version)."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal_proposals.domain.proposals import total_with
from portal_proposals.entrypoints.seed import seed_demo
from portal_testkit.pytest_plugin import new_id, summary

DEMO_DATA = Path(__file__).resolve().parents[4] / "deploy" / "demo-data.json"


@pytest.fixture
def demo():
    return json.loads(DEMO_DATA.read_text(encoding="utf-8"))


@pytest.fixture
def demo_company(demo, directory, grant):
    """identity's demo properties in proposals' directory, with their access lists."""
    tenant = new_id()
    branches = {b["slug"]: new_id() for b in demo["branches"]}
    keys = {}
    for prop in demo["properties"]:
        keys[prop["key"]] = property_id = new_id()
        directory(tenant, branches[prop["branch"]], property_id, prop["key"], name=prop["name"])
    people = {p["email"]: new_id() for p in demo["contacts"]}
    for prop in demo["properties"]:
        grant(tenant, branches[prop["branch"]], keys[prop["key"]],
              {people[p["email"]]: p["roles"][prop["key"]] for p in demo["contacts"] if prop["key"] in p["roles"]})
    return {"tenant": tenant, "branches": branches, "people": people}


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def test_the_seed_gives_the_demo_its_expected_pending_proposals(db, app_client, customer_headers, demo, demo_company,
                                                                branch_settings):
    seed_demo(db, demo, timeout=5)
    seed_demo(db, demo, timeout=5)          # idempotent
    expected, company = demo["expected"], demo_company
    camilla = company["people"]["camilla@example.com"]
    me = customer_headers(company["tenant"], company["branches"]["demo"], camilla)
    assert summary(app_client, me).get_json()["pending_proposals"] == expected["demo_pending_proposals"]
    branch_settings(version=1, tenant_id=company["tenant"], branch_id=company["branches"]["demo"],
                    proposal_window_days=60)
    assert summary(app_client, me).get_json()["pending_proposals"] == \
        expected["demo_pending_proposals_with_60_day_window"]
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM proposals")) == len(demo["proposals"])
        assert session.scalar(sa.text("SELECT count(*) FROM proposal_versions")) == len(demo["proposals"])


def test_proposal_88_carries_its_optional_services_sales_rep_and_the_demos_total(db, app_client, customer_headers,
                                                                                 demo, demo_company):
    seed_demo(db, demo, timeout=5)
    company = demo_company
    me = customer_headers(company["tenant"], company["branches"]["demo"], company["people"]["camilla@example.com"])
    rows = app_client.get("/proposals?show=pending", headers=me).get_json()
    eighty_eight = app_client.get(f"/proposals/{next(r['id'] for r in rows if r['number'] == '88')}",
                                  headers=me).get_json()
    assert eighty_eight["price_cents"] == cents("44579.33")
    assert total_with(eighty_eight["price_cents"], eighty_eight["optional_services"], ["Irrigation Audit"]) == \
        cents(demo["expected"]["proposal_88_total_with_irrigation_audit"])
    assert eighty_eight["sales_rep"] == {"name": "Morgan Reyes", "title": "Sales Representative",
                                         "email": "rep@example.com", "phone": "(314) 555-0142"}
    fifteen = next(r for r in app_client.get("/proposals", headers=me).get_json() if r["number"] == "15")
    detail = app_client.get(f"/proposals/{fifteen['id']}", headers=me).get_json()
    assert detail["invoices"] == [{"external_id": "demo:invoice:6", "number": "6"}]


def test_without_the_directory_the_seed_says_what_is_missing(db, demo):
    with pytest.raises(SystemExit, match="never reached proposals' directory"):
        seed_demo(db, demo, timeout=0.2)
