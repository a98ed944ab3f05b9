"""people: branches read model, staff, contacts, properties, roles, invitations, resets, API keys

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)


def _ts(name, nullable=True, default=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=sa.func.now() if default else None)


def upgrade() -> None:
    op.create_table(
        "branches",
        sa.Column("id", ID, primary_key=True), sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("slug", sa.String(63), nullable=False, unique=True), sa.Column("name", sa.String(200), nullable=False),
        sa.Column("company_name", sa.String(200), nullable=False), sa.Column("portal_url", sa.String(300), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False), sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_table(
        "staff_users",
        sa.Column("id", ID, primary_key=True), sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("email", sa.String(320), nullable=False), sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False), sa.Column("role", sa.String(50), nullable=False),
        sa.Column("title", sa.String(100)), sa.Column("phone", sa.String(50)), sa.Column("password_hash", sa.String(200)),
        sa.Column("branch_ids", ARRAY(ID), nullable=False), sa.Column("active", sa.Boolean, nullable=False),
        _ts("created_at", False, True),
        sa.UniqueConstraint("tenant_id", "email"),
    )
    op.create_table(
        "contacts",
        sa.Column("id", ID, primary_key=True), sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("external_id", sa.String(100)), sa.Column("email", sa.String(320), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False), sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(50)), sa.Column("password_hash", sa.String(200)), _ts("verified_at"),
        sa.Column("revision", sa.Integer, nullable=False), _ts("created_at", False, True), _ts("updated_at", False, True),
        sa.UniqueConstraint("tenant_id", "email"), sa.UniqueConstraint("tenant_id", "external_id"),
    )
    op.create_table(
        "properties",
        sa.Column("id", ID, primary_key=True), sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("branch_id", ID, nullable=False, index=True), sa.Column("external_id", sa.String(100)),
        sa.Column("name", sa.String(200), nullable=False), sa.Column("street", sa.String(200)),
        sa.Column("city", sa.String(100)), sa.Column("state", sa.String(100)), sa.Column("zip", sa.String(20)),
        sa.Column("account_owner_id", ID), sa.Column("operations_manager_id", ID), sa.Column("sales_rep_id", ID),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.UniqueConstraint("tenant_id", "external_id"),
    )
    op.create_table(
        "property_roles",
        sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("property_id", ID, sa.ForeignKey("properties.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("contact_id", ID, sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True),
        sa.Column("role", sa.String(20), primary_key=True),
    )
    op.create_table(
        "invitations",
        sa.Column("id", ID, primary_key=True), sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("branch_id", ID, nullable=False),
        sa.Column("contact_id", ID, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        sa.Column("invited_by", ID, nullable=False), sa.Column("to_email", sa.String(320), nullable=False),
        _ts("created_at", False, True), _ts("expires_at", False), _ts("used_at"), _ts("revoked_at"),
    )
    op.create_table(
        "password_resets",
        sa.Column("id", ID, primary_key=True), sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("branch_id", ID, nullable=False),
        sa.Column("contact_id", ID, sa.ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
        _ts("created_at", False, True), _ts("expires_at", False), _ts("used_at"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", ID, primary_key=True), sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("name", sa.String(100), nullable=False), sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_digest", sa.String(64), nullable=False), sa.Column("scopes", ARRAY(sa.String(50)), nullable=False),
        sa.Column("created_by", ID), _ts("created_at", False, True), _ts("revoked_at"), _ts("last_used_at"),
    )


def downgrade() -> None:
    for table in ("api_keys", "password_resets", "invitations", "property_roles", "properties", "contacts",
                  "staff_users", "branches"):
        op.drop_table(table)
