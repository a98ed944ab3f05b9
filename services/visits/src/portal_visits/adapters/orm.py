"""Tables of visits's own database. For now only the bus's outbox and inbox."""
import sqlalchemy as sa

from portal_shared.bus.outbox import define_bus_tables

metadata = sa.MetaData()
define_bus_tables(metadata)
