"""proposal_responses: a customer's Decline or Request Changes of a version, with their comment (one per version)

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)


def upgrade() -> None:
    op.create_table(
        "proposal_responses",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("proposal_id", ID, sa.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version_id", ID, sa.ForeignKey("proposal_versions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('declined', 'changes_requested')", name="ck_proposal_responses_kind"),
        sa.UniqueConstraint("version_id", name="uq_proposal_responses_version"),
        sa.Index("ix_proposal_responses_tenant_proposal", "tenant_id", "proposal_id"),
    )


def downgrade() -> None:
    op.drop_table("proposal_responses")
