"""the invoice's Service Contact: properties keep their sales rep (`sales_rep_id`), the `staff` read model,
and the branch's `show_sales_rep_phone` beside its payment settings

Existing properties learn their sales rep from identity's next `property_upserted`: `make run` republishes
every property at its current revision, which billing would ignore as already held, so each stored
revision is lowered by one here (the current revision, and only it or a newer one, is taken once more).
Existing branch settings show the phone (portal-config's default) until the branch's next settings event.

Revision ID: 0011
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from portal_shared.directory import create_staff_table

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("properties", sa.Column("sales_rep_id", UUID(as_uuid=False), nullable=True))
    op.execute("UPDATE properties SET revision = revision - 1")
    create_staff_table(op)
    op.add_column("branch_payment_settings", sa.Column("show_sales_rep_phone", sa.Boolean, nullable=False,
                                                       server_default=sa.true()))


def downgrade() -> None:
    op.drop_column("branch_payment_settings", "show_sales_rep_phone")
    op.drop_table("staff")
    op.execute("UPDATE properties SET revision = revision + 1")
    op.drop_column("properties", "sales_rep_id")
