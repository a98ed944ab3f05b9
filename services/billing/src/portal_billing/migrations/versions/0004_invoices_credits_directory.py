"""invoices as the back office sends them, credits, and the directory read model (properties, contacts)

The skeleton's `invoices` table (0002) never had a writer: nothing fed it, so it is dropped and
created again in its real shape rather than altered.

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
NOW = sa.text("now()")


def upgrade() -> None:
    op.drop_table("invoices")
    op.create_table(
        "invoices",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("number", sa.String(50), nullable=False),
        sa.Column("invoice_date", sa.Date, nullable=False),
        sa.Column("terms_days", sa.Integer, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("billing_contact_external_id", sa.String(100), nullable=True),
        sa.Column("opportunities", JSONB, nullable=False, server_default="[]"),
        sa.Column("services", JSONB, nullable=False, server_default="[]"),
        sa.Column("payments", JSONB, nullable=False, server_default="[]"),
        sa.Column("total_cents", sa.BigInteger, nullable=False),
        sa.Column("paid_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("sent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("total_cents >= 0 AND paid_cents >= 0", name="ck_invoices_money_not_negative"),
        sa.UniqueConstraint("tenant_id", "external_id", name="uq_invoices_tenant_external_id"),
    )
    op.create_index("ix_invoices_tenant_property_date", "invoices", ["tenant_id", "property_id", "invoice_date"])
    op.create_table(
        "credits",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("credit_date", sa.Date, nullable=True),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("invoice_external_id", sa.String(100), nullable=True),
        sa.Column("voided", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("amount_cents >= 0", name="ck_credits_amount_not_negative"),
        sa.UniqueConstraint("tenant_id", "external_id", name="uq_credits_tenant_external_id"),
    )
    op.create_index("ix_credits_tenant_invoice", "credits", ["tenant_id", "invoice_external_id"])
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
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_index("ix_properties_tenant_external_id", "properties", ["tenant_id", "external_id"])
    op.create_table(
        "contacts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("external_id", sa.String(100), nullable=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_index("ix_contacts_tenant_external_id", "contacts", ["tenant_id", "external_id"])
    op.create_index("ix_contacts_tenant_email", "contacts", ["tenant_id", "email"])


def downgrade() -> None:
    op.drop_table("contacts")
    op.drop_table("properties")
    op.drop_table("credits")
    op.drop_table("invoices")
    op.create_table(
        "invoices",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("property_id", ID, nullable=False),
        sa.Column("number", sa.String(50), nullable=False),
        sa.Column("total_cents", sa.BigInteger, nullable=False),
        sa.Column("paid_cents", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_index("ix_invoices_tenant_property", "invoices", ["tenant_id", "property_id"])
