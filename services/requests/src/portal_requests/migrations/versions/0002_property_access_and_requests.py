"""property_access (+ property_access_revisions) and requests

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
        "requests",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        sa.Column("number", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_requests_tenant_property", "requests", ["tenant_id", "property_id"])


def downgrade() -> None:
    op.drop_table("requests")
    drop_property_access_tables(op)
