"""A customer's answer to a version other than a signature (docs/adr/0025): *Decline* or *Request Changes*,
with their comment. At most one per version (`uq_proposal_responses_version`, the last guard after the
proposal row's lock), and none on a signed version (signing and responding take the same lock).
A new version from the back office has no response: it is Pending again."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

from portal_proposals.adapters.orm import metadata

ID = UUID(as_uuid=False)
KIND_LENGTH = 20
CONTACT_NAME_LENGTH = 200

proposal_responses = sa.Table(
    "proposal_responses", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("tenant_id", ID, nullable=False),
    sa.Column("proposal_id", ID, sa.ForeignKey("proposals.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version_id", ID, sa.ForeignKey("proposal_versions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(KIND_LENGTH), nullable=False),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("contact_id", ID, nullable=False),
    sa.Column("contact_name", sa.String(CONTACT_NAME_LENGTH), nullable=False),
    sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('declined', 'changes_requested')", name="ck_proposal_responses_kind"),
    sa.UniqueConstraint("version_id", name="uq_proposal_responses_version"),
    sa.Index("ix_proposal_responses_tenant_proposal", "tenant_id", "proposal_id"),
)
