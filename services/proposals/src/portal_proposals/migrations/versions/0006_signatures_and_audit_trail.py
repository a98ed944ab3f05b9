"""proposal_signatures (one per version, with the sealed PDF) and the append-only proposal_audit_events

Revision ID: 0006
Revises: 0004 (proposals-core's 0005, once it lands, goes before this)
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = UUID(as_uuid=False)
NOW = sa.text("now()")

# Append-only: the database itself refuses to change or remove a line of the audit trail, whoever
# asks (TRUNCATE, the owner's whole-table reset, stays possible: tests use it; production's app role
# should not own the table).
APPEND_ONLY = """
CREATE FUNCTION proposal_audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'proposal_audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER proposal_audit_events_append_only
    BEFORE UPDATE OR DELETE ON proposal_audit_events
    FOR EACH ROW EXECUTE FUNCTION proposal_audit_events_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "proposal_signatures",
        sa.Column("id", ID, primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("proposal_id", ID, sa.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version_id", ID, sa.ForeignKey("proposal_versions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("contact_id", ID, nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("mark_kind", sa.String(10), nullable=False),
        sa.Column("mark_png", sa.LargeBinary, nullable=True),
        sa.Column("typed_name", sa.String(200), nullable=True),
        sa.Column("chosen_optional_services", JSONB, nullable=False, server_default="[]"),
        sa.Column("total_cents", sa.BigInteger, nullable=False),
        sa.Column("consent_version", sa.String(20), nullable=False),
        sa.Column("shown_pdf_sha256", sa.String(64), nullable=True),
        sa.Column("signed_pdf", sa.LargeBinary, nullable=False),
        sa.Column("signed_pdf_sha256", sa.String(64), nullable=False),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(512), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mark_kind IN ('drawn', 'typed')", name="ck_proposal_signatures_mark_kind"),
        sa.UniqueConstraint("version_id", name="uq_proposal_signatures_version"),
    )
    op.create_index("ix_proposal_signatures_tenant_sha256", "proposal_signatures", ["tenant_id", "signed_pdf_sha256"])
    op.create_table(
        "proposal_audit_events",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("tenant_id", ID, nullable=False),
        sa.Column("proposal_id", ID, sa.ForeignKey("proposals.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("contact_id", ID, nullable=True),
        sa.Column("signer_name", sa.String(200), nullable=True),
        sa.Column("client_address", sa.String(64), nullable=True),
        sa.Column("user_agent", sa.String(512), nullable=True),
        sa.Column("details", JSONB, nullable=False, server_default="{}"),
    )
    op.create_index("ix_proposal_audit_events_tenant_proposal", "proposal_audit_events",
                    ["tenant_id", "proposal_id", "id"])
    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS proposal_audit_events_append_only ON proposal_audit_events")
    op.execute("DROP FUNCTION IF EXISTS proposal_audit_events_append_only()")
    op.drop_table("proposal_audit_events")
    op.drop_table("proposal_signatures")
