"""autopay: a property's enrolment (who, which saved method) and the worker's claims, one per invoice,
enrolment and step (the three-day notice, the charge)

Revision ID: 0009
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "autopay_enrolments",
        sa.Column("tenant_id", ID, primary_key=True),
        sa.Column("property_id", ID, primary_key=True),
        sa.Column("id", ID, nullable=False, unique=True),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("payment_method_id", ID, nullable=False),
        sa.Column("enrolled_on", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )
    op.create_table(
        "autopay_runs",
        sa.Column("tenant_id", ID, primary_key=True),
        sa.Column("invoice_id", ID, primary_key=True),
        sa.Column("enrolment_id", ID, primary_key=True),
        sa.Column("step", sa.String(10), primary_key=True),
        sa.Column("payment_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("step IN ('notice', 'charge')", name="ck_autopay_runs_step"),
    )


def downgrade() -> None:
    op.drop_table("autopay_runs")
    op.drop_table("autopay_enrolments")
