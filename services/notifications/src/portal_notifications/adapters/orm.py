"""Tables of the notifications database: the outbound log, webhooks (endpoints, deliveries, attempts,
the companies' contact addresses) and the bus's outbox/inbox."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_notifications.domain.delivery import QUEUED
from portal_notifications.domain.webhooks import ENABLED, MAX_URL_LENGTH, PENDING
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


class WebhookEndpoint(Base):
    """Where a company wants its events: a URL, the event types it subscribed to, its signing secret."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (
        sa.CheckConstraint("status IN ('enabled', 'disabled')", name="ck_webhook_endpoints_status"),
        sa.Index("ix_webhook_endpoints_tenant_created", "tenant_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False))
    url: Mapped[str] = mapped_column(sa.String(MAX_URL_LENGTH))
    description: Mapped[str | None] = mapped_column(sa.String(200))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(sa.String(100)))
    # The whsec_ secret, encrypted (Fernet, key from WEBHOOK_SECRETS_KEY): we must sign with it.
    secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default=ENABLED, server_default=ENABLED)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(500))
    disabled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_success_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class WebhookDelivery(Base):
    """One event for one endpoint (or a replay of one): its exact body and how delivery is going."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="ck_webhook_deliveries_status"),
        # Fan-out writes one original per (endpoint, event); replays are extra rows.
        sa.Index("uq_webhook_deliveries_endpoint_event", "endpoint_id", "event_id", unique=True,
                 postgresql_where=sa.text("replay_of IS NULL")),
        # The sender: due pending rows, and the per-resource order check.
        sa.Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
        sa.Index("ix_webhook_deliveries_chain", "endpoint_id", "resource_key", "occurred_at",
                 postgresql_where=sa.text("status = 'pending'")),
        sa.Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
    )
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False))
    endpoint_id: Mapped[str] = mapped_column(UUID(as_uuid=False),
                                             sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(UUID(as_uuid=False))
    event_type: Mapped[str] = mapped_column(sa.String(100))
    resource_key: Mapped[str] = mapped_column(sa.String(200))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    payload: Mapped[str] = mapped_column(sa.Text)
    replay_of: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    status: Mapped[str] = mapped_column(sa.String(20), default=PENDING, server_default=PENDING)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    first_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_latency_ms: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # While a sender is sending it (claimed in one short transaction, recorded in another): no
    # other sender claims it before then. A sender that dies mid-send leaves it to be sent again.
    leased_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class WebhookAttempt(Base):
    """One try of a delivery: when, the answer's status code (None: no answer), latency and error."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (sa.Index("ix_webhook_attempts_delivery", "delivery_id", "attempted_at"),)
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True, default=lambda: str(uuid.uuid4()))
    delivery_id: Mapped[str] = mapped_column(UUID(as_uuid=False),
                                             sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    attempted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status_code: Mapped[int | None] = mapped_column(sa.Integer)
    latency_ms: Mapped[int] = mapped_column(sa.Integer)
    error: Mapped[str | None] = mapped_column(sa.String(500))
    # The first bytes of the answer's body, for the log; never more.
    response_excerpt: Mapped[str | None] = mapped_column(sa.String(500))


class CompanyContact(Base):
    """Read model: each company's contact address (from branch_created/branch_updated), for the
    'your webhook endpoint was disabled' email. The newest event wins."""

    __tablename__ = "company_contacts"
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    company_name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    as_of: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
