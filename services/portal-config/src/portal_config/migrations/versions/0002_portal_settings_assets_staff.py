"""portal settings (current + versions), uploaded assets, staff read model

Branches that exist already get the default settings as version 1 (the defaults of this
revision, frozen here: later changes to the defaults must not rewrite history).

Revision ID: 0002
Revises: 0001
"""
import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)
TS = sa.DateTime(timezone=True)

_BODY = """Hello [ContactFirstName],

[CompanyName] invites you to its Customer Portal, where you can view proposals, pay invoices,
see your visits and send us requests, all in one place.

Create your account here: [CustomerPortalLink]

The link works once and expires in 30 days.

[SenderName]
[CompanyName] – [BranchName]"""


def _defaults(company_name: str) -> dict:
    name = " ".join(company_name.split())
    return {
        "page_title": f"{name} Customer Portal"[:100].strip(), "login_page_text": None,
        "login_logo_asset_id": None, "display_font": "Open Sans", "input_font": "Open Sans",
        "background_color": "#ffffff", "border_color": "#d0d7de", "nav_logo_asset_id": None,
        "nav_title": name[:100].strip(), "nav_background_color": "#1b5e20", "nav_font_color": "#ffffff",
        "button_background_color": "#2e7d32", "button_font": "Open Sans", "button_font_color": "#ffffff",
        "dashboard_text": None, "dashboard_font": "Open Sans", "dashboard_font_color": "#1f2a1e", "carousel": [],
        "show_invoices": True, "show_proposals": True, "show_requests": True, "show_visits": True,
        "proposal_window_days": None, "show_service_details": True, "show_sales_rep_phone": True,
        "electronic_payments": False, "accepted_payment_types": ["card", "ach"], "partial_payments": False,
        "card_convenience_fee_percent": "0.00",
        "invitation_subject": "[ContactName], you've been invited to the Customer Portal!",
        "invitation_body": _BODY, "invitation_link_description": "Create your Customer Portal account",
    }


def upgrade() -> None:
    op.create_table(
        "portal_settings",
        sa.Column("branch_id", ID, sa.ForeignKey("branches.id"), primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("companies.id"), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("settings", JSONB, nullable=False),
        sa.Column("updated_by", ID, nullable=True),
        sa.Column("updated_at", TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "portal_settings_versions",
        sa.Column("tenant_id", ID, sa.ForeignKey("companies.id"), nullable=False, index=True),
        sa.Column("branch_id", ID, sa.ForeignKey("branches.id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("settings", JSONB, nullable=False),
        sa.Column("changes", JSONB, nullable=False),
        sa.Column("changed_by", ID, nullable=True),
        sa.Column("changed_at", TS, server_default=sa.func.now(), nullable=False),
    )
    op.create_table(
        "assets",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, sa.ForeignKey("companies.id"), nullable=False, index=True),
        sa.Column("branch_id", ID, sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(50), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TS, server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("branch_id", "kind", "sha256", name="uq_assets_branch_kind_sha256"),
    )
    op.create_table(
        "staff",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False, index=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text, nullable=False),
        sa.Column("last_name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("permissions", ARRAY(sa.Text), nullable=False),
        sa.Column("branch_ids", ARRAY(ID), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("event_occurred_at", TS, nullable=False),
        sa.Column("updated_at", TS, server_default=sa.func.now(), nullable=False),
    )

    bind = op.get_bind()
    existing = bind.execute(sa.text(
        "SELECT b.id, b.tenant_id, c.name FROM branches b JOIN companies c ON c.id = b.tenant_id")).all()
    for branch_id, tenant_id, company_name in existing:
        settings = json.dumps(_defaults(company_name))
        values = {"b": branch_id, "t": tenant_id, "s": settings}
        bind.execute(sa.text("INSERT INTO portal_settings (branch_id, tenant_id, version, settings) "
                             "VALUES (:b, :t, 1, CAST(:s AS JSONB))"), values)
        bind.execute(sa.text("INSERT INTO portal_settings_versions (tenant_id, branch_id, version, settings, changes) "
                             "VALUES (:t, :b, 1, CAST(:s AS JSONB), '{}'::jsonb)"), values)


def downgrade() -> None:
    op.drop_table("staff")
    op.drop_table("assets")
    op.drop_table("portal_settings_versions")
    op.drop_table("portal_settings")
