"""contacts: proposals' copy of identity's contacts (fed by contact_upserted), naming who signs

Revision ID: 0007
Revises: 0006
"""
from alembic import op

from portal_shared.directory import create_contacts_table

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_contacts_table(op)


def downgrade() -> None:
    op.drop_table("contacts")
