"""property_access.permissions: what each contact may do on the property (pay, sign)

Revision ID: 0003
Revises: 0002
"""
from alembic import op

from portal_shared.access.tables import add_permissions_column

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_permissions_column(op)


def downgrade() -> None:
    op.drop_column("property_access", "permissions")
