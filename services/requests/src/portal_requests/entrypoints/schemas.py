"""Schemas of requests's HTTP API."""
from marshmallow import Schema, fields


class RequestsSummary(Schema):
    """The figures of requests's card on Home (the kit adds `property_ids`)."""

    pending_requests = fields.Integer(required=True, metadata={
        "description": "Requests with status Open."})
