"""Tables of visits' own database: the bus's outbox and inbox, the copy of who may see which
property (kept by the visits.access consumer), and visits. Every query filters by tenant_id."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from portal_shared.access import define_property_access_table
from portal_shared.bus.outbox import define_bus_tables

metadata = sa.MetaData()
define_bus_tables(metadata)
property_access = define_property_access_table(metadata)
ID = UUID(as_uuid=False)

# `status` as the back office names it; "Scheduled" is still to happen.
visits = sa.Table(
    "visits", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("property_id", ID, nullable=False),
    sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Index("ix_visits_tenant_property_scheduled", "tenant_id", "property_id", "scheduled_for"),
)
