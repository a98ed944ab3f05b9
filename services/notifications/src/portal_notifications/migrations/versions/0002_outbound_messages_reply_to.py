"""outbound_messages.reply_to, and room for display names in the address columns

An invitation shows the inviting staff user as its sender (`"Alex Admin via Demo Landscaping"
<no-reply@...>`, Reply-To their own address), and identity's emails name their recipient, so
the address columns grow from 320 (a bare address) to 500. Widening a varchar does not
rewrite the table.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbound_messages", sa.Column("reply_to", sa.String(500), nullable=True))
    op.alter_column("outbound_messages", "to_address", type_=sa.String(500), existing_type=sa.String(320),
                    existing_nullable=False)
    op.alter_column("outbound_messages", "from_address", type_=sa.String(500), existing_type=sa.String(320),
                    existing_nullable=False)


def downgrade() -> None:
    # Fails, by design, while a stored address is longer than 320 characters.
    op.alter_column("outbound_messages", "from_address", type_=sa.String(320), existing_type=sa.String(500),
                    existing_nullable=False)
    op.alter_column("outbound_messages", "to_address", type_=sa.String(320), existing_type=sa.String(500),
                    existing_nullable=False)
    op.drop_column("outbound_messages", "reply_to")
