"""Invoices and credits: written by the back office (integration API, and the demo seed), read by
customers over the properties they may see. Every query filters by tenant; a customer's also by the
properties `portal_shared.access` lets them see in their branch, and by sent and not voided."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import (
    HOLDING_STATUSES, UNSETTLED_STATUSES, contacts, credits, invoices, payment_allocations, payments, properties,
)
from portal_billing.domain import invoices as rules
from portal_billing.service_layer.directory import service_contact
from portal_billing.service_layer.payment_settings import shows_sales_rep_phone
from portal_shared import directory
from portal_shared.access.guard import Customer
from portal_shared.access.query import may, visible_property_ids
from portal_shared.errors import NotFound, ValidationFailed

# -- writes (the back office) -----------------------------------------------------------------------


def _property_or_422(session: Session, tenant_id: str, external_id: str):
    return directory.property_or_422(session, properties, tenant_id=tenant_id, external_id=external_id,
                                     service="billing")


_upsert = directory.upsert_by_external_id


def upsert_invoice(session: Session, *, tenant_id: str, external_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Create or replace the invoice the back office knows as `external_id` (idempotent); 422 naming the field."""
    errors, computed = rules.check_document(doc)
    if errors:
        raise ValidationFailed(f"Some fields are invalid: {', '.join(sorted(errors))}", errors=errors)
    prop = _property_or_422(session, tenant_id, doc["property_external_id"])
    _upsert(session, invoices, {
        "tenant_id": tenant_id, "external_id": external_id, "property_id": prop.id, "number": doc["number"],
        "invoice_date": doc["invoice_date"], "terms_days": doc["terms_days"], "due_date": computed["due_date"],
        "billing_contact_external_id": doc["billing_contact_external_id"],
        "opportunities": computed["opportunities"], "services": computed["services"],
        "payments": computed["payments"], "total_cents": computed["total_cents"],
        "paid_cents": computed["paid_cents"], "sent": doc["sent"], "voided": doc["voided"],
    })
    return stored_invoice(session, tenant_id=tenant_id, external_id=external_id)


def stored_invoice(session: Session, *, tenant_id: str, external_id: str) -> dict[str, Any]:
    row = session.execute(
        sa.select(invoices, properties.c.external_id.label("property_external_id"))
        .join(properties, (properties.c.id == invoices.c.property_id) & (properties.c.tenant_id == tenant_id))
        .where(invoices.c.tenant_id == tenant_id, invoices.c.external_id == external_id)).mappings().one()
    return {**row, "terms": rules.terms_label(row["terms_days"])}


def upsert_credit(session: Session, *, tenant_id: str, external_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """Create or replace a credit (idempotent). One applied to an invoice must name an invoice of the same property."""
    prop = _property_or_422(session, tenant_id, doc["property_external_id"])
    if doc["invoice_external_id"] is not None:
        invoice_property = session.scalar(sa.select(invoices.c.property_id).where(
            invoices.c.tenant_id == tenant_id, invoices.c.external_id == doc["invoice_external_id"]))
        if invoice_property != prop.id:
            raise ValidationFailed("Unknown invoice.", errors={"invoice_external_id": [
                f"No invoice {doc['invoice_external_id']} on property {doc['property_external_id']}."]})
    _upsert(session, credits, {
        "tenant_id": tenant_id, "external_id": external_id, "property_id": prop.id,
        "credit_date": doc["credit_date"], "amount_cents": rules.cents(doc["amount"]),
        "invoice_external_id": doc["invoice_external_id"], "voided": doc["voided"],
    })
    row = session.execute(sa.select(credits).where(credits.c.tenant_id == tenant_id,
                                                   credits.c.external_id == external_id)).mappings().one()
    return {**row, "property_external_id": doc["property_external_id"]}


# -- reads (the customer) ---------------------------------------------------------------------------

def _credited(tenant_id: str) -> sa.Subquery:
    """Per invoice (by the back office's id): the credits applied to it and not voided."""
    return (sa.select(credits.c.invoice_external_id, sa.func.sum(credits.c.amount_cents).label("credited_cents"))
            .where(credits.c.tenant_id == tenant_id, credits.c.invoice_external_id.is_not(None),
                   credits.c.voided.is_(False))
            .group_by(credits.c.invoice_external_id).subquery("credited"))


def _portal_paid(tenant_id: str) -> sa.Subquery:
    """Per invoice: what customers paid (or are paying) through the portal (service_layer/payments.py), each
    payment by its share of the invoice; `unsettled_cents` is the part not yet known to be paid (a charge
    still at the processor or whose answer was lost, an ACH debit until its bank settles it)."""
    share = payment_allocations.c.amount_cents
    return (sa.select(payment_allocations.c.invoice_id, sa.func.sum(share).label("portal_paid_cents"),
                      sa.func.sum(share).filter(payments.c.status.in_(UNSETTLED_STATUSES)).label("unsettled_cents"))
            .join(payments, (payments.c.id == payment_allocations.c.payment_id) & (payments.c.tenant_id == tenant_id))
            .where(payment_allocations.c.tenant_id == tenant_id, payments.c.status.in_(HOLDING_STATUSES))
            .group_by(payment_allocations.c.invoice_id).subquery("portal_paid"))


def _customer_invoices(tenant_id: str, property_ids: list[str], *columns) -> tuple[sa.Select, Any, Any]:
    """The invoices of these properties a customer sees (sent, not voided), with their balance column."""
    credited = _credited(tenant_id)
    credited_cents = sa.func.coalesce(credited.c.credited_cents, 0)
    portal_paid = _portal_paid(tenant_id)
    portal_paid_cents = sa.func.coalesce(portal_paid.c.portal_paid_cents, 0)
    # The balance (domain.invoices): total − paid − applied credits − the portal's payments, never below zero.
    balance = sa.func.greatest(
        invoices.c.total_cents - invoices.c.paid_cents - credited_cents - portal_paid_cents, 0)
    unsettled = sa.func.coalesce(portal_paid.c.unsettled_cents, 0)
    query = (sa.select(*columns, credited_cents.label("credited_cents"), balance.label("balance_cents"),
                       unsettled.label("pending_cents"))
             .select_from(invoices.outerjoin(credited, credited.c.invoice_external_id == invoices.c.external_id)
                          .outerjoin(portal_paid, portal_paid.c.invoice_id == invoices.c.id))
             .where(invoices.c.tenant_id == tenant_id, invoices.c.property_id.in_(property_ids),
                    invoices.c.sent.is_(True), invoices.c.voided.is_(False)))
    return query, balance, unsettled


def balance_figures(session: Session, *, tenant_id: str, property_ids: list[str]) -> tuple[int, int]:
    """(sum of the due invoices' balances, how many are due) over these properties."""
    if not property_ids:
        return 0, 0
    query, _, _ = _customer_invoices(tenant_id, property_ids, invoices.c.id)
    owed = query.subquery()
    total, due = session.execute(sa.select(sa.func.coalesce(sa.func.sum(owed.c.balance_cents), 0),
                                           sa.func.count().filter(owed.c.balance_cents > 0))).one()
    return int(total), int(due)


def invoice_balance_cents(session: Session, *, tenant_id: str, invoice_id: str) -> int | None:
    """One invoice's balance as the customer sees it (the portal's held and paid payments counted)."""
    property_id = session.scalar(sa.select(invoices.c.property_id).where(
        invoices.c.tenant_id == tenant_id, invoices.c.id == invoice_id))
    if property_id is None:
        return None
    query, _, _ = _customer_invoices(tenant_id, [property_id], invoices.c.id)
    balance = session.execute(query.where(invoices.c.id == invoice_id)).first()
    return None if balance is None else int(balance.balance_cents)


def _listed(tenant_id: str, property_ids: list[str], *extra) -> tuple[sa.Select, Any, Any]:
    return _customer_invoices(
        tenant_id, property_ids, invoices, properties.c.name.label("property_name"), properties.c.street,
        properties.c.city, properties.c.state, properties.c.zip, *extra)


def _with_property(query: sa.Select, tenant_id: str) -> sa.Select:
    return query.outerjoin(properties, (properties.c.id == invoices.c.property_id) & (properties.c.tenant_id == tenant_id))


def _row(row) -> dict[str, Any]:
    balance, pending = int(row.balance_cents), int(row.pending_cents)
    return {
        "id": row.id, "number": row.number, "title": rules.title(row.number, row.opportunities),
        "property": {"id": row.property_id, "name": row.property_name, "street": row.street, "city": row.city,
                     "state": row.state, "zip": row.zip},
        "invoice_date": row.invoice_date, "due_date": row.due_date, "amount_cents": row.total_cents,
        "balance_cents": balance, "pending_cents": pending, "status": rules.status(balance, pending),
    }


def customer_invoice_list(*, tenant_id: str, property_ids: list[str], show: str) -> sa.Select:
    """The customer's list: newest invoice date first; `show` all, due (a balance) or paid (none, and no
    payment still unsettled: a Pending invoice is listed under All only)."""
    query, balance, unsettled = _listed(tenant_id, property_ids)
    query = _with_property(query, tenant_id)
    if show == "due":
        query = query.where(balance > 0)
    elif show == "paid":
        query = query.where(balance == 0, unsettled == 0)
    return query.order_by(invoices.c.invoice_date.desc(), invoices.c.number.desc(), invoices.c.id)


def list_rows(rows) -> list[dict[str, Any]]:
    return [_row(row) for row in rows]


def customer_invoice(session: Session, *, customer: Customer, invoice_id: str) -> dict[str, Any]:
    """One invoice in detail, or 404 when it is not one of the customer's (tenant, branch, property)."""
    property_id = session.scalar(sa.select(invoices.c.property_id).where(
        invoices.c.tenant_id == customer.tenant_id, invoices.c.id == invoice_id))
    visible = property_id is not None and visible_property_ids(
        session, tenant_id=customer.tenant_id, branch_id=customer.branch_id, contact_id=customer.contact_id,
        requested=[property_id])
    if not visible:
        raise NotFound("No such invoice.")
    billing_contact = contacts.alias("billing_contact")
    query, _, _ = _listed(customer.tenant_id, [property_id], billing_contact.c.id.label("billing_contact_id"),
                       billing_contact.c.first_name, billing_contact.c.last_name, billing_contact.c.email)
    query = _with_property(query, customer.tenant_id).outerjoin(billing_contact, (
        (billing_contact.c.tenant_id == customer.tenant_id)
        & (billing_contact.c.external_id == invoices.c.billing_contact_external_id)))
    row = session.execute(query.where(invoices.c.id == invoice_id).limit(1)).first()
    if row is None:
        raise NotFound("No such invoice.")
    is_billing_contact = row.billing_contact_id == customer.contact_id
    may_pay = is_billing_contact or may(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                        contact_id=customer.contact_id, property_id=property_id, permission="pay")
    return {
        **_row(row), "terms": rules.terms_label(row.terms_days), "total_cents": row.total_cents,
        "paid_cents": row.paid_cents, "credited_cents": int(row.credited_cents),
        "opportunities": row.opportunities, "services": row.services,
        "billing_contact": None if row.billing_contact_id is None else {
            "id": row.billing_contact_id, "first_name": row.first_name, "last_name": row.last_name,
            "email": row.email},
        "may_pay": bool(may_pay),
        "service_contact": service_contact(session, tenant_id=customer.tenant_id, property_id=property_id,
                                           show_phone=shows_sales_rep_phone(session, tenant_id=customer.tenant_id,
                                                                            branch_id=customer.branch_id)),
    }


def customer_property_ids(session: Session, customer: Customer, requested: list[str] | None) -> list[str]:
    return visible_property_ids(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id,
                                contact_id=customer.contact_id, requested=requested)


def invoices_with_balance(tenant_id: str, property_ids: list[str], *columns) -> tuple[sa.Select, Any]:
    """(query, balance column) over the sent, not voided invoices of these properties: what autopay
    (service_layer/autopay.py) selects from, with the balance every screen shows."""
    query, balance, _unsettled = _customer_invoices(tenant_id, property_ids, *columns)
    return query, balance
