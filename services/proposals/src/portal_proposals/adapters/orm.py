"""The proposals a customer is asked to sign, in proposals' own database next to what the kit keeps
there (outbox, inbox, the proposals.access copy of property access). Queries always name the tenant."""
import sqlalchemy as sa

from portal_shared.kit import feature_metadata, property_records

metadata = feature_metadata()

# `status` as the back office names it; "Delivered" and "Sent" await the customer's signature.
proposals = property_records(
    metadata, "proposals",
    sa.Column("number", sa.String(50), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("start_date", sa.Date, nullable=True),
    sa.Index("ix_proposals_tenant_property", "tenant_id", "property_id"),
)
