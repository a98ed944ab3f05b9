"""The property-access read model's two tables (adapters layer).

`property_access`: one row per property and contact, with the roles and permissions identity
published. `property_access_revisions`: one row per property, the newest revision applied; it
remembers the revision when a property's list becomes empty, so a late, older event can never
give back access that was taken away.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

TABLE = "property_access"
REVISIONS_TABLE = "property_access_revisions"
_ID = UUID(as_uuid=False)


def define_property_access_tables(metadata: sa.MetaData) -> sa.Table:
    """Add `property_access` and `property_access_revisions` to `metadata`; returns the first."""
    table = sa.Table(
        TABLE, metadata,
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("property_id", _ID, primary_key=True),
        sa.Column("branch_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, primary_key=True),
        sa.Column("roles", ARRAY(sa.String(50)), nullable=False),
        sa.Column("permissions", ARRAY(sa.String(20)), nullable=False, server_default="{}"),
        sa.Column("revision", sa.Integer, nullable=False),
        # visible_property_ids: one contact's properties in one branch of one tenant.
        sa.Index("ix_property_access_contact", "tenant_id", "contact_id", "branch_id"),
    )
    sa.Table(
        REVISIONS_TABLE, metadata,
        sa.Column("property_id", _ID, primary_key=True),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    return table


# -- for migrations: each step frozen as it shipped (history must not move with the models) -----

def create_property_access_tables(op) -> None:
    """Step 1, as every feature service's 0002 migration created it (no `permissions` yet)."""
    op.create_table(
        TABLE,
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("property_id", _ID, primary_key=True),
        sa.Column("branch_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, primary_key=True),
        sa.Column("roles", ARRAY(sa.String(50)), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
    op.create_index("ix_property_access_contact", TABLE, ["tenant_id", "contact_id", "branch_id"])
    op.create_table(
        REVISIONS_TABLE,
        sa.Column("property_id", _ID, primary_key=True),
        sa.Column("tenant_id", _ID, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )


def add_permissions_column(op) -> None:
    """Step 2: what each contact may do there. Rows written before it grant nothing until identity
    publishes the property again (`portal-identity republish-access`)."""
    op.add_column(TABLE, sa.Column("permissions", ARRAY(sa.String(20)), nullable=False, server_default="{}"))


def drop_property_access_tables(op) -> None:
    op.drop_table(TABLE)
    op.drop_table(REVISIONS_TABLE)


# The tables as the query and consumer modules use them (the same shape in every service).
_metadata = sa.MetaData()
property_access = define_property_access_tables(_metadata)
property_access_revisions = _metadata.tables[REVISIONS_TABLE]
