"""`portal-billing seed FILE`: the demo company's invoices, credits and receipt choices from demo-data.json, written
as the back office would PUT them (through the same schema and service layer), by the ids
`demo:invoice:<number>` and `demo:credit:<n>`. Idempotent: a second run replaces each with itself.

It needs identity's demo properties and contacts in billing's directory read model, so `make run`
runs it after the services are up and identity's seed has run; it waits for them to arrive.
"""
from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from portal_billing.adapters.orm import contacts, payment_preferences, properties
from portal_billing.entrypoints.schemas import CreditUpsert, InvoiceUpsert
from portal_billing.service_layer import invoices as service
from portal_shared.logging import get_logger

log = get_logger(__name__)

WAIT_SECONDS = 90.0


def invoice_id(number) -> str:
    return f"demo:invoice:{number}"


def _emails(demo: dict) -> list[str]:
    return sorted({i["billing_contact"].strip().lower() for i in demo["invoices"] if i.get("billing_contact")})


def _property_keys(demo: dict) -> list[str]:
    return sorted({i["property"] for i in demo["invoices"]} | {c["property"] for c in demo["credits"]})


def _tenant_and_contacts(session, demo: dict) -> tuple[str, dict[str, str]] | None:
    """The demo company (the tenant holding every demo property and billing contact) and its
    contacts' external ids by email; None until identity's events have brought them all."""
    keys, emails = _property_keys(demo), _emails(demo)
    tenants = session.scalars(
        sa.select(properties.c.tenant_id).where(properties.c.external_id.in_(keys))
        .group_by(properties.c.tenant_id).having(sa.func.count(sa.distinct(properties.c.external_id)) == len(keys)))
    for tenant_id in tenants:
        found = dict(session.execute(sa.select(contacts.c.email, contacts.c.external_id).where(
            contacts.c.tenant_id == tenant_id, contacts.c.email.in_(emails))).all())
        if len(found) == len(emails):
            return str(tenant_id), found
    return None


def _wait_for_directory(db, demo: dict, timeout: float) -> tuple[str, dict[str, str]]:
    deadline = time.monotonic() + timeout
    while True:
        with db.unit_of_work() as session:
            found = _tenant_and_contacts(session, demo)
        if found:
            return found
        if time.monotonic() > deadline:
            raise SystemExit("billing seed: the demo properties and contacts never reached billing's directory read "
                             "model; did identity's seed run, and is the billing worker running?")
        time.sleep(0.5)


def _opportunity_name(invoice: dict, number) -> str:
    if len(invoice["opportunities"]) == 1 and invoice.get("title"):
        return invoice["title"]
    return next((line["service"] for line in invoice["lines"] if line["opportunity"] == number), "")


def invoice_document(invoice: dict, contact_ids: dict[str, str]) -> dict[str, Any]:
    """A demo invoice as the back office would PUT it."""
    paid = invoice.get("paid", "0.00")
    email = (invoice.get("billing_contact") or "").strip().lower()
    return {
        "number": str(invoice["number"]), "invoice_date": invoice["date"], "terms_days": invoice["terms_days"],
        "property_external_id": invoice["property"], "billing_contact_external_id": contact_ids.get(email),
        "opportunities": [{"number": str(o), "name": _opportunity_name(invoice, o)} for o in invoice["opportunities"]],
        "services": [{
            "opportunity_number": str(line["opportunity"]), "name": line["service"],
            "lines": [{"quantity": i["qty"], "item": i["item"], "unit_price": i["unit_price"],
                       "extended_price": i["ext_price"]} for i in line.get("items", [])],
            "sales_tax": line.get("tax", "0.00"), "total": line["amount"]} for line in invoice["lines"]],
        "total": invoice["total"],
        "payments": [{"external_id": f"demo:payment:{invoice['number']}", "paid_on": invoice["date"],
                      "amount": paid}] if paid not in ("0", "0.00") else [],
        "sent": True,
    }


def credit_document(credit: dict) -> dict[str, Any]:
    applied = credit.get("applied_to_invoice")
    return {"property_external_id": credit["property"], "amount": credit["amount"],
            "invoice_external_id": invoice_id(applied) if applied is not None else None}


def _seed_receipt_choices(session, tenant_id: str, demo: dict) -> None:
    """The demo contacts' *Email receipts enabled* (Camilla's is on); a choice made since is kept."""
    for contact in demo["contacts"]:
        if not contact.get("email_receipts"):
            continue
        contact_id = session.scalar(sa.select(contacts.c.id).where(
            contacts.c.tenant_id == tenant_id, sa.func.lower(contacts.c.email) == contact["email"].strip().lower()))
        if contact_id is not None:
            session.execute(pg_insert(payment_preferences).values(
                tenant_id=tenant_id, contact_id=contact_id, email_receipts=True).on_conflict_do_nothing())


def seed_demo(db, demo: dict, *, timeout: float = WAIT_SECONDS) -> None:
    tenant_id, contact_ids = _wait_for_directory(db, demo, timeout)
    with db.unit_of_work() as session:
        for invoice in demo["invoices"]:
            service.upsert_invoice(session, tenant_id=tenant_id, external_id=invoice_id(invoice["number"]),
                                   doc=InvoiceUpsert().load(invoice_document(invoice, contact_ids)))
        for n, credit in enumerate(demo["credits"], start=1):
            service.upsert_credit(session, tenant_id=tenant_id, external_id=f"demo:credit:{n}",
                                  doc=CreditUpsert().load(credit_document(credit)))
        _seed_receipt_choices(session, tenant_id, demo)
    log.info("seed_billing_done", invoices=len(demo["invoices"]), credits=len(demo["credits"]))
