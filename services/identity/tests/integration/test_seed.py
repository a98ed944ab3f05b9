"""The demo seed builds deploy/demo-data.json's staff, properties and contacts, and a second run
changes nothing and publishes nothing."""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from portal_identity.seed import seed_demo
from portal_identity.service_layer import directory

pytestmark = pytest.mark.integration

DEMO_DATA = Path(__file__).resolve().parents[4] / "deploy" / "demo-data.json"
TABLES = ("staff_users", "properties", "contacts", "property_roles", "outbox")


@pytest.fixture
def demo(db, wiring):
    """The demo company's two branches in identity's read model, as portal-config's events would put them."""
    tenant = str(uuid.uuid4())
    branches = {}
    with db.unit_of_work() as session:
        for revision, (slug, name) in enumerate((("demo", "St. Louis"), ("demo-west", "West County")), start=1):
            branch_id = str(uuid.uuid4())
            directory.apply_branch(session, {
                "branch_id": branch_id, "company_id": tenant, "slug": slug, "name": name,
                "company_name": "Demo Landscaping", "portal_url": f"http://{slug}.localhost:8080", "enabled": True,
                "revision": revision})
            branches[slug] = branch_id
    return {"tenant_id": tenant, "branches": branches}


def counts(rows) -> dict[str, int]:
    return {table: rows(f"SELECT count(*) AS n FROM {table}")[0]["n"] for table in TABLES}


def roles_of(rows, email: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for r in rows("SELECT p.external_id, pr.role FROM property_roles pr JOIN properties p ON p.id = pr.property_id "
                  "JOIN contacts c ON c.id = pr.contact_id WHERE c.email = :e ORDER BY p.external_id, pr.role",
                  e=email):
        found.setdefault(r["external_id"], []).append(r["role"])
    return found


def test_the_seed_creates_the_demo_staff_with_their_roles_and_branches(wiring, demo, rows, cheap_passwords):
    seed_demo(wiring, str(DEMO_DATA))
    staff = {r["email"]: r for r in rows("SELECT email, role, tenant_id::text, password_hash, "
                                         "array_to_string(branch_ids, ',') AS branches FROM staff_users")}
    assert {e: s["role"] for e, s in staff.items()} == {
        "admin@example.com": "System Admin", "manager@example.com": "Branch Manager",
        "owner@example.com": "Account Manager", "rep@example.com": "Sales Rep",
        "ops@example.com": "Operations Manager", "crew@example.com": "Crew Leader"}
    assert {s["tenant_id"] for s in staff.values()} == {demo["tenant_id"]}
    both = {demo["branches"]["demo"], demo["branches"]["demo-west"]}
    assert set(staff["admin@example.com"]["branches"].split(",")) == both
    assert staff["manager@example.com"]["branches"] == demo["branches"]["demo"]
    assert cheap_passwords.verify(staff["manager@example.com"]["password_hash"], "demo-manager-pass")


def test_the_seed_creates_the_properties_and_contacts_with_their_roles(wiring, demo, rows):
    seed_demo(wiring, str(DEMO_DATA))
    properties = {r["external_id"]: r for r in rows("SELECT external_id, name, branch_id::text, "
                                                    "account_owner_id IS NOT NULL AS owned FROM properties")}
    assert {k: p["branch_id"] for k, p in properties.items()} == {
        "oasis": demo["branches"]["demo"], "towers": demo["branches"]["demo"], "bank": demo["branches"]["demo"],
        "tails": demo["branches"]["demo"], "westport": demo["branches"]["demo-west"]}
    assert properties["towers"]["name"] == "Tar Valon Towers" and all(p["owned"] for p in properties.values())

    contacts = {r["email"]: r for r in rows("SELECT email, first_name, verified_at IS NOT NULL AS verified, "
                                            "password_hash IS NOT NULL AS has_password FROM contacts")}
    assert {e: (c["verified"], c["has_password"]) for e, c in contacts.items()} == {
        "camilla@example.com": (True, True), "april@example.com": (True, True), "dana@example.com": (False, False)}
    camilla_roles = roles_of(rows, "camilla@example.com")
    assert camilla_roles == {key: ["Billing", "Primary"] for key in ("bank", "oasis", "tails", "towers", "westport")}
    assert roles_of(rows, "april@example.com") == {"towers": ["Other"]}
    assert roles_of(rows, "dana@example.com") == {"tails": ["Other"]}


def test_the_seeded_customer_signs_in_on_both_demo_portals_and_sees_each_branchs_properties(
        client, wiring, demo, gateway_headers, sessions):
    seed_demo(wiring, str(DEMO_DATA))
    seen = {}
    for slug, branch_id in demo["branches"].items():
        headers = gateway_headers(tenant_id=demo["tenant_id"], branch_id=branch_id)
        response = client.post("/customer/sessions", headers=headers,
                               json={"email": "camilla@example.com", "password": "demo-customer-pass"})
        assert response.status_code == 201, response.get_json()
        claims = sessions.get(response.get_json()["session_id"]).claims()
        me = client.get("/customer/me", headers=gateway_headers(tenant_id=demo["tenant_id"], branch_id=branch_id,
                                                                **claims))
        seen[slug] = sorted(p["name"] for p in me.get_json()["properties"])
    assert seen == {"demo": ["Camilla's Oasis", "First Bank", "Tar Valon Towers", "Three Tails"],
                    "demo-west": ["Westport Commons"]}


def test_a_second_run_adds_no_rows_and_no_outbox_events(wiring, demo, rows):
    seed_demo(wiring, str(DEMO_DATA))
    after_first = counts(rows)
    assert after_first["outbox"] > 0 and after_first["contacts"] == 3 and after_first["staff_users"] == 6
    seed_demo(wiring, str(DEMO_DATA))
    assert counts(rows) == after_first


def test_the_seed_publishes_every_staff_user_with_role_permissions_and_branches(wiring, demo, outbox):
    seed_demo(wiring, str(DEMO_DATA))
    staff = {e["data"]["email"]: e["data"] for e in outbox("staff_upserted")}
    assert len(staff) == 6
    assert "manage_portal_settings" in staff["admin@example.com"]["permissions"]
    assert "send_portal_invitation" not in staff["crew@example.com"]["permissions"]
    assert staff["manager@example.com"]["branch_ids"] == [demo["branches"]["demo"]]
