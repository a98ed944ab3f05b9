"""a customer's saved payment methods (processor tokens only) and their email-receipts preference;
payments may be `pending` (an ACH debit until its bank settles it) and `returned`

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)


def upgrade() -> None:
    op.drop_constraint("ck_payments_status", "payments", type_="check")
    op.create_check_constraint("ck_payments_status", "payments", "status IN ('processing', 'succeeded', 'declined', "
                               "'unknown', 'pending', 'returned')")
    op.create_table(
        "payment_methods",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("brand", sa.String(20), nullable=False),
        sa.Column("last_four", sa.String(4), nullable=False),
        sa.Column("expiry", sa.String(4), nullable=True),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint("kind IN ('card', 'ach')", name="ck_payment_methods_kind"),
    )
    op.create_index("ix_payment_methods_tenant_contact", "payment_methods", ["tenant_id", "contact_id"])
    op.create_index("uq_payment_methods_one_default", "payment_methods", ["tenant_id", "contact_id"], unique=True,
                    postgresql_where=sa.text("is_default"))
    op.create_table(
        "payment_preferences",
        sa.Column("tenant_id", ID, primary_key=True),
        sa.Column("contact_id", ID, primary_key=True),
        sa.Column("email_receipts", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("payment_preferences")
    op.drop_index("uq_payment_methods_one_default", "payment_methods")
    op.drop_index("ix_payment_methods_tenant_contact", "payment_methods")
    op.drop_table("payment_methods")
    op.drop_constraint("ck_payments_status", "payments", type_="check")
    op.create_check_constraint("ck_payments_status", "payments",
                               "status IN ('processing', 'succeeded', 'declined', 'unknown')")
