"""The demo seed: Demo Landscaping with its two branches and their portal settings, and a rerun
that changes nothing."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from portal_config.seed import seed_demo
from portal_shared.events.contracts import contract_for

pytestmark = pytest.mark.integration

DEMO_DATA = Path(__file__).resolve().parents[4] / "deploy" / "demo-data.json"
SEEDED_TABLES = ("companies", "branches", "outbox", "portal_settings", "portal_settings_versions", "assets")
ORDER = {"portal_settings": "branch_id", "portal_settings_versions": "branch_id, version"}


def _snapshot(rows) -> dict[str, list[dict]]:
    return {table: rows(table, ORDER.get(table, "created_at, id")) for table in SEEDED_TABLES}


def test_the_demo_seed_creates_demo_landscaping_with_its_branches_and_announces_them(wiring, rows):
    seed_demo(wiring, str(DEMO_DATA))

    (company,) = rows("companies")
    assert company["name"] == "Demo Landscaping"
    assert company["contact_email"] == "hello@demo-landscaping.example"
    branches = rows("branches", "slug")
    assert [(b["slug"], b["name"], b["time_zone"], b["enabled"]) for b in branches] == [
        ("demo", "St. Louis", "America/Chicago", True), ("demo-west", "West County", "America/Chicago", True)]
    assert {b["tenant_id"] for b in branches} == {company["id"]}
    created = [r for r in rows("outbox") if r["event_type"] == "branch_created"]
    assert sorted(r["payload"]["data"]["portal_url"] for r in created) == [
        "http://demo-west.localhost:8080", "http://demo.localhost:8080"]


def test_the_demo_seed_applies_each_branchs_portal_settings_over_the_defaults(wiring, rows):
    seed_demo(wiring, str(DEMO_DATA))
    demo_file = json.loads(DEMO_DATA.read_text())["portal_settings"]
    slugs = {str(b["id"]): b["slug"] for b in rows("branches")}
    current = {slugs[str(r["branch_id"])]: r for r in rows("portal_settings", "branch_id")}

    demo = current["demo"]["settings"]
    assert current["demo"]["version"] == 2 and current["demo"]["updated_by"] is None
    assert demo["page_title"] == "Demo Landscaping Customer Portal"
    assert demo["nav_background_color"] == "#1b5e20"  # "#1B5E20" in the file, stored normalised
    assert demo["background_color"] == "#f5f7f4"
    assert demo["card_convenience_fee_percent"] == "3.00"
    assert demo["invitation_subject"] == demo_file["demo"]["invitation_subject"]
    assert demo["invitation_body"] == demo_file["demo"]["invitation_body"]
    assert demo["invitation_link_description"] == "Create your Customer Portal account"
    assert [(s["caption"], s["link"]) for s in demo["carousel"]] == [
        (s["caption"], s["link"]) for s in demo_file["demo"]["carousel"]]

    west = current["demo-west"]["settings"]
    assert (west["page_title"], west["nav_background_color"], west["accepted_payment_types"]) == \
        ("Demo Landscaping West County", "#0d47a1", ["card"])
    assert west["display_font"] == "Open Sans"  # not in the file: the default
    assert west["carousel"] == []

    published = [r["payload"] for r in rows("outbox") if r["event_type"] == "portal_settings_updated"]
    latest = {p["branch_id"]: p for p in published if p["data"]["version"] == 2}
    assert set(latest) == set(slugs)
    for payload in latest.values():
        assert contract_for("portal_settings_updated").validate(payload["data"]) == {}


def test_the_demo_carousel_images_are_generated_banners_served_from_storage(wiring, rows, client):
    seed_demo(wiring, str(DEMO_DATA))
    assets = rows("assets")
    assert len(assets) == 2 and {a["kind"] for a in assets} == {"carousel"}
    demo = next(r for r in rows("portal_settings", "branch_id") if r["settings"]["carousel"])
    for slide in demo["settings"]["carousel"]:
        response = client.get(f"/assets/{slide['asset_id']}")
        assert response.status_code == 200 and response.mimetype == "image/webp"
        image = Image.open(io.BytesIO(response.data))
        assert image.size == (1200, 400)
        assert len(set(image.convert("RGB").getdata())) > 100  # a gradient with text, not a flat fill


def test_running_the_demo_seed_again_writes_no_new_version_event_or_image(wiring, rows):
    seed_demo(wiring, str(DEMO_DATA))
    before = _snapshot(rows)
    seed_demo(wiring, str(DEMO_DATA))
    assert _snapshot(rows) == before
