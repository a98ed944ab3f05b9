"""Scheduled and past visits to a property, stored in UTC; plus, from the kit, the outbox, the inbox
and the visits.access property-access copy. Each query is scoped by tenant_id."""
import sqlalchemy as sa

from portal_shared.kit import feature_metadata, property_records

metadata = feature_metadata()

# `status` as the back office names it; "Scheduled" is still to happen.
visits = property_records(
    metadata, "visits",
    sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Index("ix_visits_tenant_property_scheduled", "tenant_id", "property_id", "scheduled_for"),
)
