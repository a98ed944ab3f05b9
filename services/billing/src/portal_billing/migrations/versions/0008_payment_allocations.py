"""payment_allocations: one payment (one charge) split over one or more invoices; every existing payment
pays its own invoice whole

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
        "payment_allocations",
        sa.Column("payment_id", ID, primary_key=True),
        sa.Column("invoice_id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.CheckConstraint("amount_cents > 0", name="ck_payment_allocations_amount_positive"),
    )
    op.create_index("ix_payment_allocations_tenant_invoice", "payment_allocations", ["tenant_id", "invoice_id"])
    op.execute("INSERT INTO payment_allocations (payment_id, invoice_id, tenant_id, amount_cents, position) "
               "SELECT id, invoice_id, tenant_id, amount_cents, 0 FROM payments")


def downgrade() -> None:
    op.drop_index("ix_payment_allocations_tenant_invoice", table_name="payment_allocations")
    op.drop_table("payment_allocations")
