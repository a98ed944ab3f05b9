"""The Property Filter a customer sends (web layer)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

MAX_REQUESTED_PROPERTIES = 200


class PropertyFilterQuery(Schema):
    """`?property_id=…&property_id=…`: the properties the customer picked in the Property Filter."""

    property_id = fields.List(
        fields.UUID(), load_default=None, validate=validate.Length(max=MAX_REQUESTED_PROPERTIES),
        metadata={"description": "Only these properties (repeat the argument for several). A property the "
                                 "customer may not see is left out. Default: every property they may see here."})


class PropertyRef(Schema):
    """A property as a customer's list or detail names it (the feature service's directory copy)."""

    id = fields.String()
    name = fields.String()
    street = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    zip = fields.String(allow_none=True)


def requested_properties(property_id: list | None) -> list[str] | None:
    return [str(p) for p in property_id] if property_id is not None else None
