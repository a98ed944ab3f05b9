"""Tables of portal-config's own database (and the bus's outbox/inbox)."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from portal_shared.bus.outbox import define_bus_tables


class Base(DeclarativeBase):
    pass


metadata = Base.metadata
define_bus_tables(metadata)


class Company(Base):
    """A tenant. `id` is the tenant_id every other service stores on its rows."""

    __tablename__ = "companies"
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True, default=lambda: str(uuid.uuid4()))
    name: Mapped[str] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())
    branches: Mapped[list["Branch"]] = relationship(back_populates="company", order_by="Branch.name")


class Branch(Base):
    __tablename__ = "branches"
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False), sa.ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Subdomains are global: one slug, one portal, whatever the company.
    slug: Mapped[str] = mapped_column(sa.String(63), unique=True)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    revision: Mapped[int] = mapped_column(sa.Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())
    company: Mapped[Company] = relationship(back_populates="branches")


class PortalSettings(Base):
    """A branch portal's current settings (the form's settings fields; branch fields live on Branch)."""

    __tablename__ = "portal_settings"
    branch_id: Mapped[str] = mapped_column(UUID(as_uuid=False), sa.ForeignKey("branches.id"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False), sa.ForeignKey("companies.id"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    settings: Mapped[dict] = mapped_column(JSONB)
    # The staff member who saved; null for the operator and the seed.
    updated_by: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PortalSettingsVersion(Base):
    """Every saved version: the whole settings, what changed ({field: {from, to}}), who and when."""

    __tablename__ = "portal_settings_versions"
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False), sa.ForeignKey("companies.id"), index=True)
    branch_id: Mapped[str] = mapped_column(UUID(as_uuid=False), sa.ForeignKey("branches.id"), primary_key=True)
    version: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    settings: Mapped[dict] = mapped_column(JSONB)
    changes: Mapped[dict] = mapped_column(JSONB)
    changed_by: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Asset(Base):
    """An uploaded image, re-encoded; its bytes are in storage under their sha256."""

    __tablename__ = "assets"
    __table_args__ = (sa.UniqueConstraint("branch_id", "kind", "sha256", name="uq_assets_branch_kind_sha256"),)
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True, default=lambda: str(uuid.uuid4()))
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False), sa.ForeignKey("companies.id"), index=True)
    branch_id: Mapped[str] = mapped_column(UUID(as_uuid=False), sa.ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    content_type: Mapped[str] = mapped_column(sa.String(50))
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    size: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class StaffMember(Base):
    """Read model of identity's staff users (from `staff_upserted`): who may change settings."""

    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(UUID(as_uuid=False), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(UUID(as_uuid=False), index=True)
    # Text, not the publisher's limits: a read model must never refuse what the owner accepted.
    email: Mapped[str] = mapped_column(sa.Text)
    first_name: Mapped[str] = mapped_column(sa.Text)
    last_name: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text)
    permissions: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    branch_ids: Mapped[list[str]] = mapped_column(ARRAY(UUID(as_uuid=False)))
    active: Mapped[bool] = mapped_column(sa.Boolean)
    # occurred_at of the newest event applied: the contract has no revision, so an older copy
    # arriving late is recognised by its time.
    event_occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
