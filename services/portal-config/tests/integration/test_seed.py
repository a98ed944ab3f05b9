"""The demo seed: Demo Landscaping with its two branches, and a rerun that changes nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from portal_config.seed import seed_demo

pytestmark = pytest.mark.integration

DEMO_DATA = Path(__file__).resolve().parents[4] / "deploy" / "demo-data.json"


def test_the_demo_seed_creates_demo_landscaping_with_its_branches_and_announces_them(wiring, rows):
    seed_demo(wiring, str(DEMO_DATA))

    (company,) = rows("companies")
    assert company["name"] == "Demo Landscaping"
    assert company["contact_email"] == "hello@demo-landscaping.example"
    branches = rows("branches", "slug")
    assert [(b["slug"], b["name"], b["time_zone"], b["enabled"]) for b in branches] == [
        ("demo", "St. Louis", "America/Chicago", True), ("demo-west", "West County", "America/Chicago", True)]
    assert {b["tenant_id"] for b in branches} == {company["id"]}
    outbox = rows("outbox")
    assert sorted(r["event_type"] for r in outbox) == ["branch_created", "branch_created"]
    assert sorted(r["payload"]["data"]["portal_url"] for r in outbox) == [
        "http://demo-west.localhost:8080", "http://demo.localhost:8080"]


def test_running_the_demo_seed_again_changes_nothing(wiring, rows):
    seed_demo(wiring, str(DEMO_DATA))
    before = {table: rows(table) for table in ("companies", "branches", "outbox")}
    seed_demo(wiring, str(DEMO_DATA))
    assert {table: rows(table) for table in ("companies", "branches", "outbox")} == before
