"""The invitation template follows the branch's portal settings (portal-config owns them)."""
from __future__ import annotations

import pytest

from portal_identity.service_layer.directory import apply_portal_settings

pytestmark = pytest.mark.integration


def settings_event(branch_id: str, version: int, subject: str, body: str) -> dict:
    return {"branch_id": branch_id, "version": version, "updated_by": None,
            "settings": {"invitation_subject": subject, "invitation_body": body,
                         "invitation_link_description": "Open your account"}}


def test_the_staff_template_is_the_one_saved_in_the_branch_settings(client, staff_session, world, db):
    with db.unit_of_work() as session:
        apply_portal_settings(session, settings_event(world.branches["a1"]["id"], 2, "Hi [ContactName]",
                                                      "Join us: [CustomerPortalLink]"), world.tenant_of("a1"))
    template = client.get("/staff/invitation-template", headers=staff_session("a1", "manager")).get_json()
    assert (template["subject"], template["body"], template["link_description"]) == (
        "Hi [ContactName]", "Join us: [CustomerPortalLink]", "Open your account")


def test_an_older_settings_version_never_replaces_a_newer_template(client, staff_session, world, db):
    branch_id, tenant = world.branches["a1"]["id"], world.tenant_of("a1")
    with db.unit_of_work() as session:
        apply_portal_settings(session, settings_event(branch_id, 3, "New [ContactName]", "New [CustomerPortalLink]"),
                              tenant)
        apply_portal_settings(session, settings_event(branch_id, 2, "Old [ContactName]", "Old [CustomerPortalLink]"),
                              tenant)
    template = client.get("/staff/invitation-template", headers=staff_session("a1", "manager")).get_json()
    assert template["subject"] == "New [ContactName]"


def test_settings_for_another_tenants_branch_are_refused_so_the_message_is_retried(world, db):
    with pytest.raises(LookupError), db.unit_of_work() as session:
        apply_portal_settings(session, settings_event(world.branches["a1"]["id"], 5, "x", "[CustomerPortalLink]"),
                              world.tenant_of("b1"))
