"""visits's database: the back office's visits to a property (times in UTC) with their services and
notes, the customers' calendar feeds, and the directory read model (properties and staff, fed by
identity's events, for the address and the service contact a visit shows); plus, from the kit, the
outbox, the inbox and the visits.access property-access copy. Each query is scoped by tenant_id."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from portal_shared.directory import EXTERNAL_ID_LENGTH, define_directory_tables, define_staff_table
from portal_shared.kit import feature_metadata, property_records

metadata = feature_metadata()

ID = UUID(as_uuid=False)
STATUSES = ("Scheduled", "Completed", "Cancelled")
STATUS_LENGTH = 20
NOTE_LENGTH = 4000
NOW = sa.text("now()")

# A visit as the back office sent it. `status` as the back office names it ("Scheduled" is still to
# happen); `services` (["Daily Clean", ...]) is replaced whole on every PUT and never queried by field.
visits = property_records(
    metadata, "visits",
    sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
    sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=False),
    sa.Column("services", JSONB, nullable=False, server_default="[]"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})", name="ck_visits_status"),
    sa.UniqueConstraint("tenant_id", "external_id", name="uq_visits_tenant_external_id"),
    sa.Index("ix_visits_tenant_property_scheduled", "tenant_id", "property_id", "scheduled_for"),
)

# A visit's notes, in the back office's order. Only those `shown_in_portal` ever leave this service:
# every query that answers a customer filters on it (service_layer/visits.py).
visit_notes = sa.Table(
    "visit_notes", metadata,
    sa.Column("visit_id", ID, sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("text", sa.String(NOTE_LENGTH), nullable=False),
    sa.Column("shown_in_portal", sa.Boolean, nullable=False),
)

# One private calendar feed per customer and branch: only the SHA-256 of the secret in its URL is kept,
# so the URL is shown once (when made) and a new one replaces it (the old stops at once).
calendar_feeds = sa.Table(
    "calendar_feeds", metadata,
    sa.Column("tenant_id", ID, primary_key=True),
    sa.Column("branch_id", ID, primary_key=True),
    sa.Column("contact_id", ID, primary_key=True),
    sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
)

# -- the directory read model (identity's property_upserted / staff_upserted) --------------------

# properties keep their sales rep: the visit's service contact (seed 002), named from `staff`.
properties, _ = define_directory_tables(metadata, with_contacts=False, with_sales_rep=True)
staff = define_staff_table(metadata)
