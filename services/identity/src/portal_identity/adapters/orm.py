"""Tables of identity's own database. Every row carries tenant_id; every query filters by it."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal_shared.bus.outbox import define_bus_tables


def _id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


metadata = Base.metadata
define_bus_tables(metadata)
ID = UUID(as_uuid=False)
NOW = sa.func.now()
TS = sa.DateTime(timezone=True)


class Branch(Base):
    """Read model of portal-config's branches (branch_created/updated): names and portal URLs."""

    __tablename__ = "branches"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    company_name: Mapped[str] = mapped_column(sa.String(200))
    portal_url: Mapped[str] = mapped_column(sa.String(300))
    enabled: Mapped[bool] = mapped_column(sa.Boolean)
    revision: Mapped[int] = mapped_column(sa.Integer)
    # From portal_settings_updated: the branch's invitation template (None until settings arrive).
    settings_version: Mapped[int | None] = mapped_column(sa.Integer)
    invitation_subject: Mapped[str | None] = mapped_column(sa.Text)
    invitation_body: Mapped[str | None] = mapped_column(sa.Text)
    invitation_link_description: Mapped[str | None] = mapped_column(sa.String(200))


class StaffUser(Base):
    __tablename__ = "staff_users"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "email"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=_id)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    email: Mapped[str] = mapped_column(sa.String(320))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[str] = mapped_column(sa.String(50))
    title: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    branch_ids: Mapped[list[str]] = mapped_column(ARRAY(ID), default=list)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=NOW)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Contact(Base):
    """A customer contact; with a password it is also their portal account (one per contact)."""

    __tablename__ = "contacts"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "email"), sa.UniqueConstraint("tenant_id", "external_id"))
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=_id)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(320))
    first_name: Mapped[str] = mapped_column(sa.String(100), default="")
    last_name: Mapped[str] = mapped_column(sa.String(100), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    verified_at: Mapped[datetime | None] = mapped_column(TS)
    revision: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=NOW)
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=NOW, onupdate=NOW)

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Property(Base):
    __tablename__ = "properties"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "external_id"),)
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=_id)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    branch_id: Mapped[str] = mapped_column(ID, index=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(200))
    street: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    state: Mapped[str | None] = mapped_column(sa.String(100))
    zip: Mapped[str | None] = mapped_column(sa.String(20))
    account_owner_id: Mapped[str | None] = mapped_column(ID)
    operations_manager_id: Mapped[str | None] = mapped_column(ID)
    sales_rep_id: Mapped[str | None] = mapped_column(ID)
    revision: Mapped[int] = mapped_column(sa.Integer, default=1)


class PropertyRole(Base):
    """A contact's role on a property: Primary, Billing or Other (a contact may hold several)."""

    __tablename__ = "property_roles"
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    property_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("properties.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)


class Invitation(Base):
    __tablename__ = "invitations"
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=_id)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    branch_id: Mapped[str] = mapped_column(ID)
    contact_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by: Mapped[str] = mapped_column(ID)
    to_email: Mapped[str] = mapped_column(sa.String(320))
    created_at: Mapped[datetime] = mapped_column(TS, server_default=NOW)
    expires_at: Mapped[datetime] = mapped_column(TS)
    used_at: Mapped[datetime | None] = mapped_column(TS)
    revoked_at: Mapped[datetime | None] = mapped_column(TS)


class InvitationBatch(Base):
    """A bulk invitation accepted from staff and sent by the worker (service_layer/invitation_batches.py).

    The sender's `idempotency_key` (one per form) is unique per sender and branch: sending the same form again
    finds this batch instead of inviting everyone twice. `results` grows as recipients are handled,
    so a worker that stops midway resumes after the last committed one."""

    __tablename__ = "invitation_batches"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "branch_id", "staff_id", "idempotency_key",
                                          name="uq_invitation_batches_sender_key"),
                      sa.Index("invitation_batches_pending", "created_at", postgresql_where=sa.text("status = 'pending'")))
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=_id)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    branch_id: Mapped[str] = mapped_column(ID)
    staff_id: Mapped[str] = mapped_column(ID)
    idempotency_key: Mapped[str] = mapped_column(sa.String(200))
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    recipients: Mapped[list] = mapped_column(JSONB)
    results: Mapped[list] = mapped_column(JSONB, default=list)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(TS, server_default=NOW)
    completed_at: Mapped[datetime | None] = mapped_column(TS)


class PasswordReset(Base):
    __tablename__ = "password_resets"
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=_id)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    branch_id: Mapped[str] = mapped_column(ID)
    contact_id: Mapped[str] = mapped_column(ID, sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=NOW)
    expires_at: Mapped[datetime] = mapped_column(TS)
    used_at: Mapped[datetime | None] = mapped_column(TS)


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(ID, primary_key=True, default=_id)
    tenant_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    key_digest: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(sa.String(50)))
    created_by: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=NOW)
    revoked_at: Mapped[datetime | None] = mapped_column(TS)
    last_used_at: Mapped[datetime | None] = mapped_column(TS)
