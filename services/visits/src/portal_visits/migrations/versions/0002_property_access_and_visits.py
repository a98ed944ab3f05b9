"""property_access (+ property_access_revisions) and visits

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from portal_shared.access.tables import create_property_access_tables, drop_property_access_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)


def upgrade() -> None:
    create_property_access_tables(op)
    op.create_table(
        "visits",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_visits_tenant_property_scheduled", "visits", ["tenant_id", "property_id", "scheduled_for"])


def downgrade() -> None:
    op.drop_table("visits")
    drop_property_access_tables(op)
