"""a customer's payments of invoices, the Idempotency-Keys of the requests that made them, and the
payments part of each branch's portal settings (a read model of portal_settings_updated)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "payments",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("fee_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("retref", sa.String(40), nullable=True),
        sa.Column("message", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("amount_cents > 0 AND fee_cents >= 0", name="ck_payments_money_positive"),
        sa.CheckConstraint("status IN ('processing', 'succeeded', 'declined', 'unknown')", name="ck_payments_status"),
    )
    op.create_index("ix_payments_tenant_invoice", "payments", ["tenant_id", "invoice_id"])
    op.create_index("ix_payments_status", "payments", ["status"])
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", ID, primary_key=True),
        sa.Column("contact_id", ID, primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("payment_id", ID, nullable=True),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("response", JSONB, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    )
    op.create_table(
        "branch_payment_settings",
        sa.Column("branch_id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("electronic_payments", sa.Boolean, nullable=False),
        sa.Column("accepted_payment_types", JSONB, nullable=False),
        sa.Column("partial_payments", sa.Boolean, nullable=False),
        sa.Column("card_convenience_fee_percent", sa.Numeric(4, 2), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("branch_payment_settings")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_payments_status", "payments")
    op.drop_index("ix_payments_tenant_invoice", "payments")
    op.drop_table("payments")
