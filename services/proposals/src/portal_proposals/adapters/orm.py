"""proposals' database: the back office's proposals (opportunities) and their versions (money in
integer cents), the directory read model (properties, fed by identity's events), the proposals part
of each branch's portal settings (fed by portal-config's), beside the kit's outbox, inbox and
property-access copy. Every query filters by tenant_id.

A proposal is the back office's opportunity: its number, property, back-office status, estimated
start date, sales rep and links live on `proposals`. What the customer reads and signs (name, type,
price, services, optional services) is a `proposal_versions` row: once a version is sent it never
changes; a change from the back office is the next version (docs/adr/0026-proposal-versions.md).
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from portal_shared.directory import EXTERNAL_ID_LENGTH, define_directory_tables
from portal_shared.kit import feature_metadata, property_records

metadata = feature_metadata()

ID = UUID(as_uuid=False)
NUMBER_LENGTH = 50
NAME_LENGTH = 200
STATUS_LENGTH = 20
TYPE_LENGTH = 20
REP_NAME_LENGTH, REP_TITLE_LENGTH, REP_EMAIL_LENGTH, REP_PHONE_LENGTH = 200, 100, 320, 40
NOW = sa.text("now()")

# The back office's opportunity. `status` as the back office names it (Delivered, Approved,
# In Production, Won, Lost); `sales_rep` ({name, title, email, phone}) and the linked `requests` and
# `invoices` ([{external_id, number}], the back office's) are replaced whole on every PUT and never queried by field.
proposals = property_records(
    metadata, "proposals",
    sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=False),
    sa.Column("number", sa.String(NUMBER_LENGTH), nullable=False),
    sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
    sa.Column("start_date", sa.Date, nullable=True),
    sa.Column("sales_rep", JSONB, nullable=True),
    sa.Column("requests", JSONB, nullable=False, server_default="[]"),
    sa.Column("invoices", JSONB, nullable=False, server_default="[]"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.UniqueConstraint("tenant_id", "external_id", name="uq_proposals_tenant_external_id"),
    sa.Index("ix_proposals_tenant_property", "tenant_id", "property_id"),
)

# One version of a proposal's document. `services` is [{name, visits, amount_cents}] and
# `optional_services` [{name, visits, amount_cents}]; `price_cents` is the services' sum. `sent_on`
# is null while the back office has neither printed nor emailed it (it may then still be replaced in
# place); once set, the row's document never changes. Customers see the newest sent version.
# `signed_at` / `signed_by` are set by signing (the customer's signature of this version; a version
# superseded before it was signed can no longer be signed).
proposal_versions = sa.Table(
    "proposal_versions", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("proposal_id", ID, sa.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("name", sa.String(NAME_LENGTH), nullable=False),
    sa.Column("type", sa.String(TYPE_LENGTH), nullable=False),
    sa.Column("price_cents", sa.BigInteger, nullable=False),
    sa.Column("services", JSONB, nullable=False, server_default="[]"),
    sa.Column("optional_services", JSONB, nullable=False, server_default="[]"),
    sa.Column("content_sha256", sa.String(64), nullable=False),
    sa.Column("sent_on", sa.Date, nullable=True),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("signed_by", ID, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.CheckConstraint("price_cents >= 0", name="ck_proposal_versions_price_not_negative"),
    sa.CheckConstraint("version >= 1", name="ck_proposal_versions_version_positive"),
    sa.UniqueConstraint("proposal_id", "version", name="uq_proposal_versions_proposal_version"),
    sa.Index("ix_proposal_versions_tenant_proposal", "tenant_id", "proposal_id"),
)

# -- read models -------------------------------------------------------------------------------

# contacts: who signs (their name on the signature and the certificate page, never the browser's word).
properties, contacts = define_directory_tables(metadata)

# The proposals part of each branch's portal settings (portal-config's `portal_settings_updated`, kept
# by the proposals.settings consumer; service_layer/branch_settings.py). No row: the defaults.
branch_proposal_settings = sa.Table(
    "branch_proposal_settings", metadata,
    sa.Column("branch_id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("proposal_window_days", sa.Integer, nullable=True),
    sa.Column("show_service_details", sa.Boolean, nullable=False),
    sa.Column("show_sales_rep_phone", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
