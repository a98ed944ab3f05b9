"""Fields of the back office's documents, as every service's integration API reads them (web layer):
money as a decimal string (never a JSON number: a float may already have lost a cent) and the back
office's own ids; and the property a customer's record names, as the customer APIs answer it."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from portal_shared.directory import EXTERNAL_ID_LENGTH

# Twelve digits of dollars: far beyond any document, well inside BIGINT cents.
MONEY_PATTERN = r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?\Z"


class DecimalString(fields.Field):
    """A non-negative decimal sent as a JSON string ("238.70"); a JSON number (a float that may
    already have lost a cent) is refused, as is a minus sign or a third decimal."""

    def __init__(self, pattern: str, example: str, **kwargs):
        metadata = {"type": "string", "pattern": pattern, "example": example, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)
        self.pattern = validate.Regexp(pattern, error=f"Must be a non-negative decimal string such as \"{example}\".")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Must be a decimal string, not a number (floats lose cents).")
        self.pattern(value)
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValidationError("Not a decimal.") from None


def Money(**kwargs) -> DecimalString:
    """Dollars and cents as a string ("238.70"), loaded as a Decimal."""
    return DecimalString(MONEY_PATTERN, "238.70", **kwargs)


def ExternalId(**kwargs) -> fields.String:
    """The back office's id of a record (1–100 characters)."""
    return fields.String(validate=validate.Length(min=1, max=EXTERNAL_ID_LENGTH), **kwargs)


class PropertyRef(Schema):
    """A record's property as a customer's list and detail show it (from the service's directory read
    model: name and address; none of them until the property has arrived there)."""

    id = fields.String()
    name = fields.String(allow_none=True)
    street = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    zip = fields.String(allow_none=True)
