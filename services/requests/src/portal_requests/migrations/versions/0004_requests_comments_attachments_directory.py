"""requests as the back office and customers write them, their comments and attachments, and the
directory read model (properties with their staff, contacts, staff)

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from portal_shared.directory import create_contacts_table, create_properties_table, create_staff_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)
NOW = sa.text("now()")


def upgrade() -> None:
    op.add_column("requests", sa.Column("external_id", sa.String(100), nullable=True))
    op.add_column("requests", sa.Column("branch_id", ID, nullable=True))
    op.add_column("requests", sa.Column("subject", sa.String(200), nullable=False, server_default=""))
    op.add_column("requests", sa.Column("description", sa.Text, nullable=False, server_default=""))
    op.add_column("requests", sa.Column("priority", sa.String(10), nullable=False, server_default="Normal"))
    op.add_column("requests", sa.Column("include_client", sa.Boolean, nullable=False, server_default=sa.true()))
    op.add_column("requests", sa.Column("opened_by_contact_id", ID, nullable=True))
    op.add_column("requests", sa.Column("proposals", JSONB, nullable=False, server_default="[]"))
    op.add_column("requests", sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW))
    op.add_column("requests", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("requests", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW))
    op.create_unique_constraint("uq_requests_tenant_external_id", "requests", ["tenant_id", "external_id"])
    op.create_table(
        "request_comments",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("public", sa.Boolean, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("contact_id", ID, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.UniqueConstraint("tenant_id", "external_id", name="uq_request_comments_tenant_external_id"),
    )
    op.create_index("ix_request_comments_request", "request_comments", ["tenant_id", "request_id", "created_at"])
    op.create_table(
        "request_attachments",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("request_id", ID, nullable=False),
        sa.Column("comment_id", ID, nullable=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("storage_key", sa.String(80), nullable=False),
        sa.Column("thumbnail_key", sa.String(80), nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )
    op.create_index("ix_request_attachments_request", "request_attachments", ["tenant_id", "request_id"])
    create_properties_table(op, with_property_staff=True)
    create_contacts_table(op)
    create_staff_table(op)


def downgrade() -> None:
    op.drop_table("staff")
    op.drop_table("contacts")
    op.drop_table("properties")
    op.drop_table("request_attachments")
    op.drop_table("request_comments")
    op.drop_constraint("uq_requests_tenant_external_id", "requests")
    for column in ("updated_at", "completed_at", "created_at", "proposals", "opened_by_contact_id", "include_client",
                   "priority", "description", "subject", "branch_id", "external_id"):
        op.drop_column("requests", column)
