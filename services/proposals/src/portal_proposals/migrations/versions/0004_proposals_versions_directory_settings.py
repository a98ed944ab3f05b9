"""proposals as the back office sends them, their versions, the directory read model (properties) and
the proposals part of each branch's settings

The skeleton's `proposals` table (0002) never had a writer: nothing fed it, so it is dropped and
created again in its real shape rather than altered.

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from portal_shared.directory import create_properties_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)
NOW = sa.text("now()")


def upgrade() -> None:
    op.drop_table("proposals")
    op.create_table(
        "proposals",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("number", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_date", sa.Date, nullable=True),
        sa.Column("sales_rep", JSONB, nullable=True),
        sa.Column("requests", JSONB, nullable=False, server_default="[]"),
        sa.Column("invoices", JSONB, nullable=False, server_default="[]"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.UniqueConstraint("tenant_id", "external_id", name="uq_proposals_tenant_external_id"),
    )
    op.create_index("ix_proposals_tenant_property", "proposals", ["tenant_id", "property_id"])
    op.create_table(
        "proposal_versions",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("proposal_id", ID, sa.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(20), nullable=False),
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
    )
    op.create_index("ix_proposal_versions_tenant_proposal", "proposal_versions", ["tenant_id", "proposal_id"])
    create_properties_table(op)
    op.create_table(
        "branch_proposal_settings",
        sa.Column("branch_id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("proposal_window_days", sa.Integer, nullable=True),
        sa.Column("show_service_details", sa.Boolean, nullable=False),
        sa.Column("show_sales_rep_phone", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("branch_proposal_settings")
    op.drop_table("properties")
    op.drop_table("proposal_versions")
    op.drop_table("proposals")
    op.create_table(
        "proposals",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        sa.Column("number", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_date", sa.Date, nullable=True),
    )
    op.create_index("ix_proposals_tenant_property", "proposals", ["tenant_id", "property_id"])
