"""Tables of the notifications database: the outbound log (and the bus's outbox/inbox)."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_notifications.domain.delivery import QUEUED
from portal_shared.bus.outbox import define_bus_tables


class Base(DeclarativeBase):
    pass


metadata = Base.metadata
define_bus_tables(metadata)


class OutboundMessage(Base):
    """One email: rendered once when its event arrives, then queued until the sender delivers it."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        # One event never produces the same email twice, even past the inbox (e.g. a replayed copy).
        sa.UniqueConstraint("event_id", "template", name="uq_outbound_messages_event_template"),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name="ck_outbound_messages_status"),
        # The sender's claim query reads only queued rows that are due.
        sa.Index("ix_outbound_messages_due", "next_attempt_at", postgresql_where=sa.text("status = 'queued'")),
        sa.Index("ix_outbound_messages_tenant_created", "tenant_id", "created_at"),
        sa.Index("ix_outbound_messages_created", "created_at"),
    )
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False))
    branch_id: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    event_id: Mapped[str] = mapped_column(UUID(as_uuid=False))
    template: Mapped[str] = mapped_column(sa.String(100))
    # Addresses with their display names, e.g. `"Alex Admin via Demo Landscaping" <no-reply@...>`.
    to_address: Mapped[str] = mapped_column(sa.String(500))
    from_address: Mapped[str] = mapped_column(sa.String(500))
    reply_to: Mapped[str | None] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(500))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default=QUEUED, server_default=QUEUED)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
