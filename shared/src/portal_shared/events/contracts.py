"""Contracts of the integration events' `data`, as marshmallow schemas. Schemas only.

Add an event: write its schema here, register it in CONTRACTS under (type, version), publish
it with `make_event`, and bind a consumer to its type. A breaking change is a new version.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

SLUG = validate.Regexp(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class BranchV1(Schema):
    """A branch as every reader needs it: routing (gateway), greeting (notifications)."""

    branch_id = fields.UUID(required=True)
    company_id = fields.UUID(required=True)
    company_name = fields.String(required=True)
    company_contact_email = fields.Email(required=True, allow_none=True)
    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True)
    enabled = fields.Boolean(required=True)
    time_zone = fields.String(required=True)
    portal_url = fields.String(required=True)
    # Increases with every change, so a reader can ignore an older copy that arrives late.
    revision = fields.Integer(required=True, validate=validate.Range(min=1))


class BranchCreatedV1(BranchV1):
    pass


class BranchUpdatedV1(BranchV1):
    pass


CONTRACTS: dict[tuple[str, int], type[Schema]] = {
    ("branch_created", 1): BranchCreatedV1,
    ("branch_updated", 1): BranchUpdatedV1,
}


class UnknownEventType(KeyError):
    pass


def contract_for(event_type: str, version: int = 1) -> Schema:
    try:
        return CONTRACTS[(event_type, version)]()
    except KeyError:
        raise UnknownEventType(f"no contract for event {event_type!r} version {version}") from None
