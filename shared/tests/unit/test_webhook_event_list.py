"""The webhook allow-list: every type has a contract naming its resource id, and none carries a secret."""
from __future__ import annotations

import pytest

from portal_shared.events.contracts import CONTRACTS, contract_for
from portal_shared.events.webhooks import SECRET_CARRYING_EVENT_TYPES, WEBHOOK_EVENTS, resource_key, webhook_event_types


def test_no_event_carrying_a_secret_is_a_webhook():
    assert not SECRET_CARRYING_EVENT_TYPES & set(webhook_event_types())


def test_the_secret_carrying_events_are_real_event_types():
    assert SECRET_CARRYING_EVENT_TYPES <= {event_type for event_type, _ in CONTRACTS}


@pytest.mark.parametrize("event_type", sorted(WEBHOOK_EVENTS))
def test_every_webhook_type_has_a_contract_with_its_resource_id_required(event_type):
    field = contract_for(event_type).fields[WEBHOOK_EVENTS[event_type].id_field]
    assert field.required


def test_events_about_one_property_share_one_order_key():
    assert resource_key("property_upserted", {"property_id": "p"}) == \
        resource_key("property_access_changed", {"property_id": "p"}) == "property:p"


def test_listing_a_secret_carrying_event_is_refused(monkeypatch):
    monkeypatch.setitem(WEBHOOK_EVENTS, "invitation_created", WEBHOOK_EVENTS["contact_upserted"])
    with pytest.raises(RuntimeError, match="invitation_created"):
        webhook_event_types()
