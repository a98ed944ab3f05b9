"""billing's database: invoices (money in integer cents), beside the kit's outbox, inbox and
property-access copy (the billing.access consumer keeps it). Every query filters by tenant_id."""
import sqlalchemy as sa

from portal_shared.kit import feature_metadata, property_records

metadata = feature_metadata()

# `status` as the back office names it; "Open" is still owed.
invoices = property_records(
    metadata, "invoices",
    sa.Column("number", sa.String(50), nullable=False),
    sa.Column("total_cents", sa.BigInteger, nullable=False),
    sa.Column("paid_cents", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Index("ix_invoices_tenant_property", "tenant_id", "property_id"),
)
