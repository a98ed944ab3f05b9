"""invitation_batches: the Idempotency-Key is unique per sender *and branch*

The same key sent from another branch's console names another batch (it used to find the first
branch's batch, which the second branch then could not read).

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD = "invitation_batches_tenant_id_staff_id_idempotency_key_key"
NEW = "uq_invitation_batches_sender_key"


def upgrade() -> None:
    op.drop_constraint(OLD, "invitation_batches", type_="unique")
    op.create_unique_constraint(NEW, "invitation_batches", ["tenant_id", "branch_id", "staff_id", "idempotency_key"])


def downgrade() -> None:
    op.drop_constraint(NEW, "invitation_batches", type_="unique")
    op.create_unique_constraint(OLD, "invitation_batches", ["tenant_id", "staff_id", "idempotency_key"])
