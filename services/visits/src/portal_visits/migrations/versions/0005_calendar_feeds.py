"""calendar_feeds: each customer's private calendar feed (the SHA-256 of its secret)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("tenant_id", ID, primary_key=True),
        sa.Column("branch_id", ID, primary_key=True),
        sa.Column("contact_id", ID, primary_key=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
    )


def downgrade() -> None:
    op.drop_table("calendar_feeds")
