"""The card convenience fee, in integer cents: billing's rule (the percentage itself is a branch
setting, `card_convenience_fee_percent`, owned by portal-config and published with the settings).

A card payment of `amount_cents` carries `percent` of it on top, rounded half up to the cent. ACH
(eCheck) payments never carry a fee, whatever the setting says.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CARD, ACH = "card", "ach"
MAX_PERCENT = Decimal("10")


def convenience_fee_cents(amount_cents: int, payment_type: str, percent: Decimal | str) -> int:
    """The fee on a payment of `amount_cents` by `payment_type`, in cents (0 for ACH)."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents < 0:
        raise ValueError(f"amount_cents must be a non-negative integer, not {amount_cents!r}")
    try:
        rate = Decimal(str(percent))
    except InvalidOperation:
        raise ValueError(f"percent must be a decimal, not {percent!r}") from None
    if not (0 <= rate <= MAX_PERCENT):
        raise ValueError(f"percent must be between 0 and {MAX_PERCENT}, not {percent!r}")
    if payment_type != CARD:
        return 0
    return int((Decimal(amount_cents) * rate / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
