"""Proposals as proposals' rules see them (no Flask, SQLAlchemy or pika here).

- The back office's statuses are Delivered, Approved, In Production, Won and Lost; the customer reads
  the portal's three (seed 002): *Pending* (sent, Delivered and not signed), *Accepted* (signed in
  the portal, or Won; Approved and In Production too: work the customer agreed to, view-only) and
  *Rejected* (Lost). Only a Pending proposal may be signed.
- Money crosses the API as decimal strings and lives in integer cents; the price is the sum of the
  services' amounts (optional services are extra, chosen when signing).
- A version's document (name, type, price, services, optional services) has a SHA-256 over its
  canonical JSON: the same document sent twice is the same version; another one is a change.
- The N-day window (seed 001, "Show only Proposals Within Specified Days"): an open proposal is shown
  only while its estimated start date is within N days of today, before or after; a proposal
  without a start date, or one already accepted or rejected, is not hidden by it.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

from portal_shared.money import cents

DELIVERED, APPROVED, IN_PRODUCTION, WON, LOST = "Delivered", "Approved", "In Production", "Won", "Lost"
STATUSES = (DELIVERED, APPROVED, IN_PRODUCTION, WON, LOST)
TYPES = ("Work Order", "Contract")
PENDING, ACCEPTED, REJECTED = "Pending", "Accepted", "Rejected"
PORTAL_STATUSES = (PENDING, ACCEPTED, REJECTED)


def portal_status(status: str, signed: bool) -> str:
    """The status the customer reads, from the back office's and whether this version is signed."""
    if status == LOST:
        return REJECTED
    if status == DELIVERED and not signed:
        return PENDING
    return ACCEPTED


def may_be_signed(status: str, signed: bool) -> bool:
    """Delivered and not yet signed: the only proposals the portal offers to sign (seed 001)."""
    return portal_status(status, signed) == PENDING


def window(today: date, days: int | None) -> tuple[date, date] | None:
    """The start dates an open proposal may have to be shown, or None when the branch sets no window."""
    if days is None:
        return None
    return today - timedelta(days=days), today + timedelta(days=days)


def within_window(start_date: date | None, today: date, days: int | None) -> bool:
    bounds = window(today, days)
    if bounds is None or start_date is None:
        return True
    return bounds[0] <= start_date <= bounds[1]


def title(number: str, name: str) -> str:
    """"Proposal #88: Major Landscaping Project 2024" (the seeds' list and detail)."""
    return f"Proposal #{number}: {name}" if name else f"Proposal #{number}"


def _lines(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"name": item["name"], "visits": item.get("visits"), "amount_cents": cents(item["amount"])}
            for item in items]


def check_document(doc: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """(errors by field path, the version's document in cents). `doc` is the loaded ProposalUpsert."""
    errors: dict[str, list[str]] = {}
    services, optional = _lines(doc["services"]), _lines(doc["optional_services"])
    price = cents(doc["price"])
    if services and price != sum(s["amount_cents"] for s in services):
        errors["price"] = ["Is not the sum of the services' amounts."]
    if doc["sent"] and doc.get("sent_date") is None:
        errors["sent_date"] = ["A sent proposal needs the date it was sent."]
    for key, items in (("services", services), ("optional_services", optional)):
        names = [i["name"] for i in items]
        if len(set(names)) != len(names):
            errors[key] = ["A service is listed twice."]
    document = {"name": doc["name"], "type": doc["type"], "price_cents": price, "services": services,
                "optional_services": optional}
    return errors, document


def content_sha256(document: dict[str, Any]) -> str:
    """The SHA-256 of a version's document in canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def total_with(price_cents: int, optional_services: list[dict[str, Any]], chosen: list[str]) -> int:
    """The price plus the chosen optional services (demo: #88 with the Irrigation Audit is $44,929.33)."""
    return price_cents + sum(o["amount_cents"] for o in optional_services if o["name"] in chosen)
