"""billing's directory names one property and one contact per (tenant, back-office id); payments record
when an ACH debit settled and when and why its bank returned it; `failed` (the processor refused billing
itself: nothing was charged)

Revision ID: 0007
Revises: 0010 (numbered 0007 when written beside autopay's 0009/0010, which reached main first; chained
after them so a database already at 0010 still runs this one)
"""
import sqlalchemy as sa
from alembic import op

from portal_shared.directory import add_unique_external_ids

revision = "0007"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_unique_external_ids(op)
    op.add_column("payments", sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("payments", sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("payments", sa.Column("return_code", sa.String(10), nullable=True))
    op.execute("UPDATE payments SET settled_at = updated_at WHERE method = 'ach' AND status = 'succeeded'")
    op.drop_constraint("ck_payments_status", "payments", type_="check")
    op.create_check_constraint("ck_payments_status", "payments", "status IN ('processing', 'succeeded', 'declined', "
                               "'unknown', 'pending', 'returned', 'failed')")


def downgrade() -> None:
    op.execute("UPDATE payments SET status = 'declined' WHERE status = 'failed'")
    op.drop_constraint("ck_payments_status", "payments", type_="check")
    op.create_check_constraint("ck_payments_status", "payments", "status IN ('processing', 'succeeded', 'declined', "
                               "'unknown', 'pending', 'returned')")
    for column in ("return_code", "returned_at", "settled_at"):
        op.drop_column("payments", column)
    for table in ("contacts", "properties"):
        op.drop_constraint(f"uq_{table}_tenant_external_id", table, type_="unique")
