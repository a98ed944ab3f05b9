"""billing's copy of the payments part of each branch's portal settings (portal-config owns them):
whether the branch takes electronic payments, which types (card, ach), whether partial payments are
allowed, and the card convenience fee percentage; and, for the invoice's Service Contact, whether the
branch shows the sales rep's phone (`show_sales_rep_phone`). Fed by `portal_settings_updated` through the
`billing.settings` consumer, newest `version` wins; never asked of portal-config on a request path.
A branch billing has not heard of takes no payments.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import branch_payment_settings
from portal_shared.directory import upsert_newest
from portal_shared.events.envelope import Envelope, load_event


@dataclass(frozen=True)
class BranchPaymentRules:
    electronic_payments: bool = False
    accepted_payment_types: tuple[str, ...] = ()
    partial_payments: bool = False
    card_convenience_fee_percent: Decimal = Decimal("0")

    def accepts(self, payment_type: str) -> bool:
        return self.electronic_payments and payment_type in self.accepted_payment_types


NO_PAYMENTS = BranchPaymentRules()


def apply_portal_settings_updated(session: Session, envelope: Envelope) -> bool:
    """Keep the payments part of a branch's settings when this version is newer than the stored one."""
    tenant_id, data = load_event(envelope, "portal_settings_updated")
    settings = data["settings"]
    row = {"branch_id": str(data["branch_id"]), "tenant_id": tenant_id,
           "electronic_payments": settings["electronic_payments"],
           "accepted_payment_types": list(settings["accepted_payment_types"]),
           "partial_payments": settings["partial_payments"],
           "card_convenience_fee_percent": settings["card_convenience_fee_percent"],
           "show_sales_rep_phone": settings["show_sales_rep_phone"], "version": data["version"]}
    return upsert_newest(session, branch_payment_settings, row, key="branch_id", order="version")


def payment_rules(session: Session, *, tenant_id: str, branch_id: str) -> BranchPaymentRules:
    row = session.execute(sa.select(branch_payment_settings).where(
        branch_payment_settings.c.tenant_id == tenant_id, branch_payment_settings.c.branch_id == branch_id)).first()
    if row is None:
        return NO_PAYMENTS
    return BranchPaymentRules(electronic_payments=row.electronic_payments,
                              accepted_payment_types=tuple(row.accepted_payment_types),
                              partial_payments=row.partial_payments,
                              card_convenience_fee_percent=Decimal(row.card_convenience_fee_percent))


def shows_sales_rep_phone(session: Session, *, tenant_id: str, branch_id: str) -> bool:
    """Whether the branch shows the sales rep's phone (a branch billing has not heard of: the default, yes)."""
    shown = session.scalar(sa.select(branch_payment_settings.c.show_sales_rep_phone).where(
        branch_payment_settings.c.tenant_id == tenant_id, branch_payment_settings.c.branch_id == branch_id))
    return True if shown is None else bool(shown)


SETTINGS_HANDLERS = {"portal_settings_updated": apply_portal_settings_updated}
