"""Money as people read it (the seeds' $8,243.21), from the integer cents every service keeps.
Written once for portal-web's pages and billing's invoice PDF."""
from __future__ import annotations


def dollars(cents: int | None) -> str:
    """Cents as the seeds show money: $8,243.21 (a credit: -$12.00; nothing: $0.00)."""
    cents = int(cents or 0)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}${cents // 100:,}.{cents % 100:02d}"


def cents(amount) -> int:
    """Decimal("238.70") (or "238.70") → 23870; exact for the two decimals the money fields allow."""
    from decimal import Decimal

    return int((Decimal(amount) * 100).to_integral_value())
