"""branches read model: the invitation template from portal_settings_updated

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("branches", sa.Column("settings_version", sa.Integer, nullable=True))
    op.add_column("branches", sa.Column("invitation_subject", sa.Text, nullable=True))
    op.add_column("branches", sa.Column("invitation_body", sa.Text, nullable=True))
    op.add_column("branches", sa.Column("invitation_link_description", sa.String(200), nullable=True))


def downgrade() -> None:
    for column in ("invitation_link_description", "invitation_body", "invitation_subject", "settings_version"):
        op.drop_column("branches", column)
