"""outbound_messages, outbox and inbox

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from portal_shared.migrations import create_bus_tables, drop_bus_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_bus_tables(op)
    op.create_table(
        "outbound_messages",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=False), nullable=False),
        sa.Column("branch_id", UUID(as_uuid=False), nullable=True),
        sa.Column("event_id", UUID(as_uuid=False), nullable=False),
        sa.Column("template", sa.String(100), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("text_body", sa.Text, nullable=False),
        sa.Column("html_body", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), server_default="queued", nullable=False),
        sa.Column("attempts", sa.Integer, server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("event_id", "template", name="uq_outbound_messages_event_template"),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name="ck_outbound_messages_status"),
    )
    op.create_index("ix_outbound_messages_due", "outbound_messages", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'queued'"))
    op.create_index("ix_outbound_messages_tenant_created", "outbound_messages", ["tenant_id", "created_at"])
    op.create_index("ix_outbound_messages_created", "outbound_messages", ["created_at"])


def downgrade() -> None:
    op.drop_table("outbound_messages")
    drop_bus_tables(op)
