"""The integration-event envelope: make_event checks data against the contract; from_dict checks envelopes."""
from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from marshmallow import ValidationError

from portal_shared.events import Envelope, make_event
from portal_shared.events.contracts import UnknownEventType
from portal_shared.logging import bind_ids


def test_make_event_fills_every_envelope_field_and_keeps_the_valid_data(branch_data):
    event = make_event("branch_created", branch_data, tenant_id=uuid.UUID(branch_data["company_id"]),
                       branch_id=branch_data["branch_id"])

    body = event.to_dict()
    assert set(body) == {"id", "type", "version", "occurred_at", "tenant_id", "branch_id", "correlation_id", "data"}
    uuid.UUID(body["id"])
    assert body["type"] == "branch_created" and body["version"] == 1
    assert datetime.fromisoformat(body["occurred_at"]).tzinfo is not None
    assert body["tenant_id"] == branch_data["company_id"]  # a UUID object is carried as its string
    assert body["branch_id"] == branch_data["branch_id"]
    assert body["data"] == branch_data


@pytest.mark.parametrize("field, bad_value", [
    ("slug", "Not A Slug!"),
    ("revision", 0),
    ("company_contact_email", "not-an-email"),
    ("branch_id", "not-a-uuid"),
])
def test_make_event_refuses_data_that_breaks_the_contract_and_names_the_bad_field(branch_data, field, bad_value):
    branch_data[field] = bad_value
    with pytest.raises(ValidationError) as raised:
        make_event("branch_created", branch_data, tenant_id=branch_data["company_id"])
    assert set(raised.value.messages) == {field}


def test_make_event_names_a_missing_required_field(branch_data):
    del branch_data["time_zone"]
    with pytest.raises(ValidationError) as raised:
        make_event("branch_updated", branch_data, tenant_id=branch_data["company_id"])
    assert "time_zone" in raised.value.messages


@pytest.mark.parametrize("event_type, version", [("branch_exploded", 1), ("branch_created", 2)])
def test_make_event_refuses_an_event_type_or_version_without_a_contract(branch_data, event_type, version):
    with pytest.raises(UnknownEventType, match=event_type):
        make_event(event_type, branch_data, tenant_id=branch_data["company_id"], version=version)


def test_make_event_takes_the_correlation_id_bound_to_the_current_request(branch_data):
    bind_ids(request_id="req-7", correlation_id="corr-42")
    assert make_event("branch_created", branch_data, tenant_id=None).correlation_id == "corr-42"


def test_make_event_falls_back_to_the_request_id_and_prefers_an_explicit_correlation_id(branch_data):
    bind_ids(request_id="req-7")
    assert make_event("branch_created", branch_data, tenant_id=None).correlation_id == "req-7"
    assert make_event("branch_created", branch_data, tenant_id=None, correlation_id="given").correlation_id == "given"


def test_make_event_outside_any_request_has_no_correlation_id(branch_data):
    assert make_event("branch_created", branch_data, tenant_id=None).correlation_id is None


def test_an_envelope_survives_the_round_trip_through_a_dict(branch_data):
    event = make_event("branch_created", branch_data, tenant_id=branch_data["company_id"], correlation_id="c-1")
    assert Envelope.from_dict(event.to_dict()) == event


def _spoil(body: dict, key: str, value) -> dict:
    spoiled = dict(body)
    if value is _MISSING:
        del spoiled[key]
    else:
        spoiled[key] = value
    return spoiled


_MISSING = object()


@pytest.mark.parametrize("key, value", [
    ("id", "not-a-uuid"),
    ("type", _MISSING),
    ("type", "Branch Created"),
    ("version", 0),
    ("occurred_at", "yesterday"),
    ("tenant_id", "tenant-1"),
    ("correlation_id", _MISSING),
    ("data", ["not", "a", "dict"]),
    ("surprise", "an unknown top-level field"),
])
def test_from_dict_rejects_a_malformed_envelope_naming_the_field(branch_data, key, value):
    body = make_event("branch_created", branch_data, tenant_id=branch_data["company_id"]).to_dict()
    with pytest.raises(ValidationError) as raised:
        Envelope.from_dict(_spoil(body, key, value))
    assert key in raised.value.messages
