"""Schemas of visits's HTTP API."""
from marshmallow import Schema, fields


class VisitsSummary(Schema):
    """The figures of visits's card on Home (the kit adds `property_ids`)."""

    upcoming_visits = fields.Integer(required=True, metadata={
        "description": "Visits with status Scheduled, scheduled for a time after now."})
