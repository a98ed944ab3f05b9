"""Service requests (the back office's issues), their comments and attachments, and the directory read
model (properties with their account owner and operations manager, contacts, staff: identity's events).
The kit adds its own tables to this metadata: outbox, inbox and the requests.access read model. No query
runs without a tenant_id condition."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from portal_shared.directory import EXTERNAL_ID_LENGTH, define_directory_tables, define_staff_table
from portal_shared.kit import feature_metadata, property_records

metadata = feature_metadata()

ID = UUID(as_uuid=False)
NOW = sa.text("now()")
NUMBER_LENGTH = 50
SUBJECT_LENGTH = 200
DESCRIPTION_LENGTH = 10_000
COMMENT_LENGTH = 10_000
AUTHOR_LENGTH = 200
FILENAME_LENGTH = 200
PRIORITIES = ("High", "Normal", "Low")
STATUSES = ("Open", "Closed")

# A request. `external_id` is the back office's id: set by its PUT, or NULL for a request a customer
# created until the back office claims it (PUT with `portal_request_id`). `include_client` false (an
# internal issue) never reaches the portal. `opened_by_contact_id`: the customer who created it in the
# portal (told of public replies). `proposals` ([{number, name}]) is the back office's list, replaced whole.
requests = property_records(
    metadata, "requests",
    sa.Column("number", sa.String(NUMBER_LENGTH), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
    sa.Column("branch_id", ID, nullable=True),
    sa.Column("subject", sa.String(SUBJECT_LENGTH), nullable=False, server_default=""),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("priority", sa.String(10), nullable=False, server_default="Normal"),
    sa.Column("include_client", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("opened_by_contact_id", ID, nullable=True),
    sa.Column("proposals", JSONB, nullable=False, server_default="[]"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.Index("ix_requests_tenant_property", "tenant_id", "property_id"),
    sa.UniqueConstraint("tenant_id", "external_id", name="uq_requests_tenant_external_id"),
)

# A comment: from the back office (`external_id`, `public` decides whether the portal shows it) or from a
# customer in the portal (`contact_id`, always public: it is theirs).
comments = sa.Table(
    "request_comments", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("request_id", ID, nullable=False),
    sa.Column("external_id", sa.String(EXTERNAL_ID_LENGTH), nullable=True),
    sa.Column("public", sa.Boolean, nullable=False),
    sa.Column("author", sa.String(AUTHOR_LENGTH), nullable=False),
    sa.Column("contact_id", ID, nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.Index("ix_request_comments_request", "tenant_id", "request_id", "created_at"),
    sa.UniqueConstraint("tenant_id", "external_id", name="uq_request_comments_tenant_external_id"),
)

# An attachment of a request (comment_id NULL) or of one of its comments. The bytes live in the storage
# port under `storage_key` (and `thumbnail_key` for images); `filename` is the safe name it is served as.
attachments = sa.Table(
    "request_attachments", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("request_id", ID, nullable=False),
    sa.Column("comment_id", ID, nullable=True),
    sa.Column("filename", sa.String(FILENAME_LENGTH), nullable=False),
    sa.Column("content_type", sa.String(50), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("storage_key", sa.String(80), nullable=False),
    sa.Column("thumbnail_key", sa.String(80), nullable=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.Index("ix_request_attachments_request", "tenant_id", "request_id"),
)

# -- the directory read model (identity's property_upserted / contact_upserted / staff_upserted) --------
properties, contacts = define_directory_tables(metadata, with_property_staff=True)
staff = define_staff_table(metadata)
