"""Tables of proposals' own database: the bus's outbox and inbox, the copy of who may see which
property (kept by the proposals.access consumer), and proposals. Every query filters by tenant_id."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from portal_shared.access import define_property_access_table
from portal_shared.bus.outbox import define_bus_tables

metadata = sa.MetaData()
define_bus_tables(metadata)
property_access = define_property_access_table(metadata)
ID = UUID(as_uuid=False)

# `status` as the back office names it; "Delivered" and "Sent" await the customer's signature.
proposals = sa.Table(
    "proposals", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("property_id", ID, nullable=False),
    sa.Column("number", sa.String(50), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("start_date", sa.Date, nullable=True),
    sa.Index("ix_proposals_tenant_property", "tenant_id", "property_id"),
)
