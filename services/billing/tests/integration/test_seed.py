"""The demo seed writes deploy/demo-data.json's invoices and credits once identity's properties and contacts
have reached billing, and the demo's expected figures follow: $238.70 and 1 invoice due on `demo`,
$1,000.00 on `demo-west`. A second run changes nothing."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal_billing.bootstrap import FEATURE
from portal_billing.entrypoints.seed import seed_demo
from portal_testkit.pytest_plugin import new_id, summary

DEMO_DATA = Path(__file__).resolve().parents[4] / "deploy" / "demo-data.json"


@pytest.fixture
def demo():
    return json.loads(DEMO_DATA.read_text(encoding="utf-8"))


@pytest.fixture
def demo_company(demo, directory, grant):
    """identity's demo properties and contacts in billing's read models, with their access lists."""
    tenant = new_id()
    branches = {b["slug"]: new_id() for b in demo["branches"]}
    keys = {}
    for prop in demo["properties"]:
        keys[prop["key"]] = property_id = new_id()
        directory.property(tenant, branches[prop["branch"]], property_id, prop["key"], name=prop["name"])
    people = {}
    for person in demo["contacts"]:
        people[person["email"]] = contact_id = new_id()
        directory.contact(tenant, contact_id, f"demo:{person['email']}", email=person["email"])
    for prop in demo["properties"]:
        grant(tenant, branches[prop["branch"]], keys[prop["key"]],
              {people[p["email"]]: p["roles"][prop["key"]] for p in demo["contacts"] if prop["key"] in p["roles"]})
    return {"tenant": tenant, "branches": branches, "people": people}


def cents(amount: str) -> int:
    return int(Decimal(amount) * 100)


def test_the_seed_gives_the_demo_its_expected_current_balances(db, app_client, customer_headers, demo, demo_company):
    seed_demo(db, demo, timeout=5)
    seed_demo(db, demo, timeout=5)          # idempotent
    expected = demo["expected"]
    camilla = demo_company["people"]["camilla@example.com"]
    on_demo = summary(app_client, customer_headers(demo_company["tenant"], demo_company["branches"]["demo"], camilla))
    assert (on_demo.get_json()["current_balance_cents"], on_demo.get_json()["invoices_due"]) == (
        cents(expected["demo_current_balance_all_properties"]), expected["demo_invoices_due"])
    on_west = summary(app_client, customer_headers(demo_company["tenant"], demo_company["branches"]["demo-west"],
                                                   camilla))
    assert on_west.get_json()["current_balance_cents"] == cents(expected["demo_west_current_balance"])
    with db.unit_of_work() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM invoices")) == len(demo["invoices"])
        assert session.scalar(sa.text("SELECT count(*) FROM credits")) == len(demo["credits"])


def test_the_seeds_invoice_18_reads_as_the_seeds_show_it(app_client, customer_headers, db, demo, demo_company):
    seed_demo(db, demo, timeout=5)
    april = customer_headers(demo_company["tenant"], demo_company["branches"]["demo"],
                             demo_company["people"]["april@example.com"])
    rows = app_client.get("/invoices", headers=april).get_json()
    assert [(r["title"], r["status"]) for r in rows] == [("Invoice #18", "Due"),
                                                         ("Invoice #4: Annual Maintenance Agreement", "Paid")]
    eighteen = app_client.get(f"/invoices/{rows[0]['id']}", headers=april).get_json()
    assert (eighteen["due_date"], eighteen["balance_cents"], eighteen["may_pay"]) == ("2024-11-27", 23_870, False)
    assert eighteen["billing_contact"]["email"] == "camilla@example.com"


def test_the_seed_waits_for_the_directory_and_says_what_is_missing(db, demo):
    with pytest.raises(SystemExit, match="never reached billing's directory"):
        seed_demo(db, demo, timeout=0.2)


def test_the_seed_is_declared_on_billings_feature_service():
    assert FEATURE.seed is seed_demo
