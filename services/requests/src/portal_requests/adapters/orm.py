"""Service requests (the back office's issues). The kit adds its own tables to this metadata: outbox,
inbox and the requests.access read model. No query runs without a tenant_id condition."""
import sqlalchemy as sa

from portal_shared.kit import feature_metadata, property_records

metadata = feature_metadata()

# `status` as the back office names it; "Open" is still to be dealt with.
requests = property_records(
    metadata, "requests",
    sa.Column("number", sa.String(50), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Index("ix_requests_tenant_property", "tenant_id", "property_id"),
)
