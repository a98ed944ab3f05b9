"""The rules of a customer's saved payment methods, without I/O: a bank account typed as
"Routing Number/Account Number" (the ABA routing checksum), a card's brand and last four read from the
processor's token (CardSecure's layout: `9`, the card's first two digits, nine digits, its last four),
and whether an MMYY expiry has passed."""
from __future__ import annotations

import re
from datetime import date

BANK_ACCOUNT = re.compile(r"^([0-9]{9})/([0-9]{4,17})\Z")
EXPIRY = re.compile(r"^(0[1-9]|1[0-2])([0-9]{2})\Z")
CARD_TOKEN = re.compile(r"^9[0-9]{14,18}\Z")


def routing_checksum_ok(routing: str) -> bool:
    """The ABA check: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) is a multiple of 10."""
    if not (len(routing) == 9 and routing.isdigit()):
        return False
    d = [int(c) for c in routing]
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def parse_bank_account(raw: str) -> tuple[str, str]:
    """(routing, account) from "Routing Number/Account Number"; ValueError with the customer's words."""
    match = BANK_ACCOUNT.match(raw.strip())
    if not match:
        raise ValueError("Enter the 9-digit routing number, a single \"/\", then the account number "
                         "(4 to 17 digits), e.g. 036001808/1111222233.")
    routing, account = match.groups()
    if not routing_checksum_ok(routing):
        raise ValueError("That routing number is not valid; check it on a cheque or with your bank.")
    return routing, account


def card_brand(token: str) -> str:
    first_two = token[1:3]
    if first_two[0] == "4":
        return "Visa"
    if "51" <= first_two <= "55" or "22" <= first_two <= "27":
        return "Mastercard"
    if first_two in ("34", "37"):
        return "American Express"
    if first_two in ("60", "64", "65"):
        return "Discover"
    return "Card"


def expired(expiry: str, today: date) -> bool:
    """An MMYY card is good through the last day of its month."""
    match = EXPIRY.match(expiry)
    if not match:
        return True
    month, year = int(match.group(1)), 2000 + int(match.group(2))
    return (year, month) < (today.year, today.month)
