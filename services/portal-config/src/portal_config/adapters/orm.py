"""Tables of portal-config's own database (and the bus's outbox/inbox)."""
from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
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
