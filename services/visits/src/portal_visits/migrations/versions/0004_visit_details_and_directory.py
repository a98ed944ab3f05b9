"""visits: external_id, services, updated_at, status check; visit_notes; the directory read model
(properties with their sales rep, staff)

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)


def upgrade() -> None:
    # Rows written before the back office could PUT visits have no external id: they get their own id.
    op.add_column("visits", sa.Column("external_id", sa.String(100), nullable=True))
    op.execute("UPDATE visits SET external_id = id::text WHERE external_id IS NULL")
    op.alter_column("visits", "external_id", nullable=False)
    op.add_column("visits", sa.Column("services", JSONB, nullable=False, server_default="[]"))
    op.add_column("visits", sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False,
                                      server_default=sa.text("now()")))
    op.create_check_constraint("ck_visits_status", "visits", "status IN ('Scheduled', 'Completed', 'Cancelled')")
    op.create_unique_constraint("uq_visits_tenant_external_id", "visits", ["tenant_id", "external_id"])
    op.create_table(
        "visit_notes",
        sa.Column("visit_id", ID, sa.ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("text", sa.String(4000), nullable=False),
        sa.Column("shown_in_portal", sa.Boolean, nullable=False),
    )
    op.create_table(
        "properties",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("branch_id", ID, nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("street", sa.String(200), nullable=True),
        sa.Column("city", sa.String(100), nullable=True),
        sa.Column("state", sa.String(100), nullable=True),
        sa.Column("zip", sa.String(20), nullable=True),
        sa.Column("sales_rep_id", ID, nullable=True),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_index("ix_properties_tenant_external_id", "properties", ["tenant_id", "external_id"])
    op.create_table(
        "staff",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(50), nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff")
    op.drop_table("properties")
    op.drop_table("visit_notes")
    op.drop_constraint("uq_visits_tenant_external_id", "visits")
    op.drop_constraint("ck_visits_status", "visits")
    op.drop_column("visits", "updated_at")
    op.drop_column("visits", "services")
    op.drop_column("visits", "external_id")
