"""What signing keeps, beside the proposals and their versions (adapters/orm.py): the signature of a
version with the sealed PDF, and the append-only audit trail of each proposal (docs/adr/0029).

- `proposal_signatures`: at most one per version (`uq_proposal_signatures_version`, the last guard of
  exactly-once signing after the version row's lock); the drawn image (PNG) or typed name, the
  optional services chosen and the total they make, the consent text's version, the SHA-256 of the PDF
  the customer was shown, and the sealed signed PDF with its SHA-256 (what the verify page matches).
- `proposal_audit_events`: one row per thing that happened to a proposal in the customer's hands
  (domain/evidence.py names the kinds), with UTC time, the contact, the client address the gateway saw
  and the user agent. The database refuses UPDATE and DELETE on it (a trigger, migration 0006).
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

from portal_proposals.adapters.orm import metadata

ID = UUID(as_uuid=False)
NOW = sa.text("now()")
SHA256_LENGTH = 64
KIND_LENGTH = 40
SIGNER_NAME_LENGTH = 200
USER_AGENT_LENGTH = 512
CLIENT_ADDRESS_LENGTH = 64
CONSENT_VERSION_LENGTH = 20

proposal_signatures = sa.Table(
    "proposal_signatures", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("proposal_id", ID, sa.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version_id", ID, sa.ForeignKey("proposal_versions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("contact_id", ID, nullable=False),
    sa.Column("signer_name", sa.String(SIGNER_NAME_LENGTH), nullable=False),
    sa.Column("mark_kind", sa.String(10), nullable=False),
    sa.Column("mark_png", sa.LargeBinary, nullable=True),
    sa.Column("typed_name", sa.String(SIGNER_NAME_LENGTH), nullable=True),
    sa.Column("chosen_optional_services", JSONB, nullable=False, server_default="[]"),
    sa.Column("total_cents", sa.BigInteger, nullable=False),
    sa.Column("consent_version", sa.String(CONSENT_VERSION_LENGTH), nullable=False),
    sa.Column("shown_pdf_sha256", sa.String(SHA256_LENGTH), nullable=True),
    sa.Column("signed_pdf", sa.LargeBinary, nullable=False),
    sa.Column("signed_pdf_sha256", sa.String(SHA256_LENGTH), nullable=False),
    sa.Column("client_address", sa.String(CLIENT_ADDRESS_LENGTH), nullable=True),
    sa.Column("user_agent", sa.String(USER_AGENT_LENGTH), nullable=True),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mark_kind IN ('drawn', 'typed')", name="ck_proposal_signatures_mark_kind"),
    sa.UniqueConstraint("version_id", name="uq_proposal_signatures_version"),
    sa.Index("ix_proposal_signatures_tenant_sha256", "tenant_id", "signed_pdf_sha256"),
)

proposal_audit_events = sa.Table(
    "proposal_audit_events", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("proposal_id", ID, sa.ForeignKey("proposals.id", ondelete="RESTRICT"), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("kind", sa.String(KIND_LENGTH), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
    sa.Column("contact_id", ID, nullable=True),
    sa.Column("signer_name", sa.String(SIGNER_NAME_LENGTH), nullable=True),
    sa.Column("client_address", sa.String(CLIENT_ADDRESS_LENGTH), nullable=True),
    sa.Column("user_agent", sa.String(USER_AGENT_LENGTH), nullable=True),
    sa.Column("details", JSONB, nullable=False, server_default="{}"),
    sa.Index("ix_proposal_audit_events_tenant_proposal", "tenant_id", "proposal_id", "id"),
)
