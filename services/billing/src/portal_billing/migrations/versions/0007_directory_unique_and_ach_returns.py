"""billing's directory names one property and one contact per (tenant, back-office id); payments record
when an ACH debit settled and when and why its bank returned it; `failed` (the processor refused billing
itself: nothing was charged)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("properties", "contacts"):
        # A duplicate could only come from an external id that moved between records; the record's next
        # event sets it again, so all but one keep none rather than the migration failing.
        op.execute(f"""
            UPDATE {table} SET external_id = NULL
            WHERE external_id IS NOT NULL AND id NOT IN (
                SELECT DISTINCT ON (tenant_id, external_id) id FROM {table}
                WHERE external_id IS NOT NULL ORDER BY tenant_id, external_id, revision DESC, id)""")
        op.drop_index(f"ix_{table}_tenant_external_id", table_name=table)
        op.create_unique_constraint(f"uq_{table}_tenant_external_id", table, ["tenant_id", "external_id"])
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
        op.create_index(f"ix_{table}_tenant_external_id", table, ["tenant_id", "external_id"])
