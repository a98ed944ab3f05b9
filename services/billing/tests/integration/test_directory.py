"""billing's directory read model: identity's property_upserted, contact_upserted and staff_upserted, applied by the
billing.directory consumer (newest revision wins, another tenant's id never overwritten), and the
worker consuming them from the real broker."""
from __future__ import annotations

import threading

import sqlalchemy as sa

from portal_billing.bootstrap import FEATURE
from portal_shared.bus.topology import Names
from portal_shared.bus.worker import start_loops
from portal_shared.db import Database
from portal_shared.events import make_event
from portal_testkit.pytest_plugin import BRANCH, OTHER_TENANT, TENANT, new_id
from portal_testkit.service_tests import publish
from portal_testkit.testing import queue_depth, wait_for


def stored(db, table, row_id):
    with db.unit_of_work() as session:
        row = session.execute(sa.text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).mappings().first()
        return dict(row) if row else None


def test_a_newer_revision_replaces_the_property_and_an_older_one_changes_nothing(db, directory):
    p = new_id()
    assert directory.property(TENANT, BRANCH, p, "crm-p-1", revision=2, name="Tar Valon Towers")
    assert directory.property(TENANT, BRANCH, p, "crm-p-1", revision=1, name="An old name") is False
    assert directory.property(TENANT, BRANCH, p, "crm-p-1", revision=2, name="Redelivered") is False
    assert stored(db, "properties", p)["name"] == "Tar Valon Towers"
    assert directory.property(TENANT, BRANCH, p, "crm-p-9", revision=3, name="Renamed")
    assert (stored(db, "properties", p)["name"], stored(db, "properties", p)["external_id"]) == ("Renamed", "crm-p-9")


def test_a_back_office_id_names_one_property_and_one_contact_per_tenant(db, directory):
    old, new = new_id(), new_id()
    directory.property(TENANT, BRANCH, old, "crm-p-7")
    # identity moved the back office's id to another property (the old one's next event is on its way):
    assert directory.property(TENANT, BRANCH, new, "crm-p-7")
    assert (stored(db, "properties", old)["external_id"], stored(db, "properties", new)["external_id"]) == (
        None, "crm-p-7")
    assert directory.property(OTHER_TENANT, BRANCH, new_id(), "crm-p-7")      # another tenant's ids are its own
    assert stored(db, "properties", new)["external_id"] == "crm-p-7"
    a, b = new_id(), new_id()
    directory.contact(TENANT, a, "crm-c-7")
    directory.contact(TENANT, b, "crm-c-7")
    assert (stored(db, "contacts", a)["external_id"], stored(db, "contacts", b)["external_id"]) == (None, "crm-c-7")
    with db.unit_of_work() as session:                                      # and the database says so too
        constraints = set(session.scalars(sa.text(
            "SELECT conname FROM pg_constraint WHERE contype = 'u' AND conrelid IN "
            "('properties'::regclass, 'contacts'::regclass)")))
    assert {"uq_properties_tenant_external_id", "uq_contacts_tenant_external_id"} <= constraints


def test_an_older_event_does_not_take_a_back_office_id_from_anyone(db, directory):
    p, q = new_id(), new_id()
    directory.property(TENANT, BRANCH, p, "crm-p-8", revision=2)
    assert directory.property(TENANT, BRANCH, p, "crm-p-8", revision=1) is False
    directory.property(TENANT, BRANCH, q, "crm-p-9", revision=5)
    assert directory.property(TENANT, BRANCH, q, "crm-p-8", revision=4) is False   # stale: q keeps its id, p too
    assert (stored(db, "properties", p)["external_id"], stored(db, "properties", q)["external_id"]) == (
        "crm-p-8", "crm-p-9")


def test_a_contact_keeps_its_newest_name_email_and_external_id(db, directory):
    c = new_id()
    directory.contact(TENANT, c, "crm-42", revision=1)
    directory.contact(TENANT, c, "crm-42", revision=2, email="camilla.new@example.com")
    row = stored(db, "contacts", c)
    assert (row["email"], row["external_id"], str(row["tenant_id"])) == ("camilla.new@example.com", "crm-42", TENANT)


def test_an_event_naming_another_tenants_property_never_overwrites_it(db, directory):
    p = new_id()
    directory.property(TENANT, BRANCH, p, "crm-p-1", revision=1, name="Ours")
    assert directory.property(OTHER_TENANT, BRANCH, p, "crm-p-1", revision=5, name="Theirs") is False
    assert stored(db, "properties", p)["name"] == "Ours"


def test_an_event_published_before_external_id_was_added_still_applies(db):
    from portal_billing.service_layer.directory import apply_property_upserted

    p = new_id()
    event = make_event("property_upserted", {
        "property_id": p, "branch_id": BRANCH, "name": "Old event", "street": None, "city": None, "state": None,
        "zip": None, "account_owner_id": None, "operations_manager_id": None, "sales_rep_id": None, "revision": 1,
    }, tenant_id=TENANT, branch_id=BRANCH)
    with db.unit_of_work() as session:
        assert apply_property_upserted(session, event)
    assert stored(db, "properties", p)["external_id"] is None


def test_the_worker_applies_identitys_events_from_the_directory_queue(migrated):
    p, c, rep = new_id(), new_id(), new_id()
    publish(migrated, make_event("property_upserted", {
        "property_id": p, "branch_id": BRANCH, "name": "Camilla's Oasis", "street": "112 Clark St",
        "city": "St. Louis", "state": "Missouri", "zip": "63101", "account_owner_id": None,
        "operations_manager_id": None, "sales_rep_id": rep, "revision": 1, "external_id": "oasis",
    }, tenant_id=TENANT, branch_id=BRANCH))
    publish(migrated, make_event("contact_upserted", {
        "contact_id": c, "email": "camilla@example.com", "first_name": "Camilla", "last_name": "Sailor",
        "verified": True, "revision": 1, "external_id": "demo:camilla@example.com"}, tenant_id=TENANT))
    publish(migrated, make_event("staff_upserted", {
        "staff_id": rep, "email": "rep@example.com", "first_name": "Morgan", "last_name": "Reyes",
        "title": "Sales Representative", "phone": None, "role": "Sales Rep", "permissions": [],
        "branch_ids": [BRANCH], "active": True}, tenant_id=TENANT))
    queue = Names(migrated.bus.namespace).queue("billing.directory")
    assert queue_depth(migrated.bus, queue) == 3          # `migrate` declared the queue before any worker ran
    db = Database(migrated.database_url)
    stop = threading.Event()
    threads = start_loops(FEATURE.worker_loops(migrated), stop)
    try:
        wait_for(lambda: all(stored(db, table, row) is not None
                             for table, row in (("properties", p), ("contacts", c), ("staff", rep))),
                 timeout=20, message="the billing.directory consumer to apply the three events")
        assert (stored(db, "properties", p)["external_id"], str(stored(db, "properties", p)["sales_rep_id"])) == (
            "oasis", rep)
        assert stored(db, "staff", rep)["last_name"] == "Reyes"
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        db.dispose()
