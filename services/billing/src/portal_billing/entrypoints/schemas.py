"""Schemas of billing's HTTP API."""
from marshmallow import Schema, fields


class BillingSummary(Schema):
    """The figures of billing's card on Home (the kit adds `property_ids`)."""

    current_balance_cents = fields.Integer(required=True, metadata={
        "description": "Sum of total_cents - paid_cents over open invoices, in integer cents."})
    invoices_due = fields.Integer(required=True, metadata={"description": "Open invoices with a balance."})
