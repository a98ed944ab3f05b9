"""Schemas of proposals's HTTP API."""
from marshmallow import Schema, fields


class ProposalsSummary(Schema):
    """The figures of proposals's card on Home (the kit adds `property_ids`)."""

    pending_proposals = fields.Integer(required=True, metadata={
        "description": "Proposals with status Delivered or Sent: awaiting the customer's signature."})
