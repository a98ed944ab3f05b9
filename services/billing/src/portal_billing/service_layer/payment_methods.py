"""A signed-in customer's saved payment methods and their email-receipts preference.

Only the processor's token is kept, with what the customer recognises a method by (brand, last four,
a card's MMYY expiry): a card arrives as a token from the processor's hosted tokenizer, a bank account
("Routing Number/Account Number", checked here, ABA checksum included) is tokenized by the processor
before anything is stored, so neither card numbers nor account numbers are ever in billing's database.
A contact has at most one default method (the first one saved becomes it; deleting it promotes the
newest other). Only the payment types the branch accepts can be added.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from portal_billing.adapters.orm import payment_methods, payment_preferences
from portal_billing.adapters.processor import AbstractProcessor, ProcessorUnavailable
from portal_billing.domain import payment_methods as rules
from portal_billing.service_layer.receipts import record_receipts_enabled
from portal_billing.domain.fees import ACH, CARD
from portal_billing.service_layer.payment_settings import payment_rules
from portal_shared.access.guard import Customer
from portal_shared.errors import ApiError, NotFound, ValidationFailed

ACCOUNT_TYPES = {"checking": "Checking", "savings": "Savings"}


def _not_accepted(kind: str, field: str) -> ValidationFailed:
    words = "Card" if kind == CARD else "Bank account (ACH)"
    return ValidationFailed(f"{words} payments are not accepted by this branch.", code="payment_type_not_accepted",
                            errors={field: [f"{words} payments are not accepted."]})


def _mine(customer: Customer):
    return (payment_methods.c.tenant_id == customer.tenant_id) & (payment_methods.c.contact_id == customer.contact_id)


def _lock_mine(session: Session, customer: Customer) -> None:
    """Serialise changes to one contact's methods (one default at a time) until commit. An advisory lock,
    not row locks: a contact with no method yet has no row to lock, and two first saves (a double click)
    would both become the default."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(
        sa.func.hashtextextended(f"payment-methods:{customer.tenant_id}:{customer.contact_id}", 0))))


def view(row, *, today: date, accepted: tuple[str, ...]) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "brand": row.brand, "last_four": row.last_four, "expiry": row.expiry,
            "expired": row.kind == CARD and rules.expired(row.expiry or "", today), "is_default": row.is_default,
            "accepted": row.kind in accepted, "created_at": row.created_at}


def _accepted(session: Session, customer: Customer) -> tuple[str, ...]:
    branch = payment_rules(session, tenant_id=customer.tenant_id, branch_id=customer.branch_id)
    return branch.accepted_payment_types if branch.electronic_payments else ()


def list_methods(session: Session, *, customer: Customer, today: date) -> list[dict[str, Any]]:
    """The contact's methods, the default first, then newest first."""
    accepted = _accepted(session, customer)
    found = session.execute(sa.select(payment_methods).where(_mine(customer)).order_by(
        payment_methods.c.is_default.desc(), payment_methods.c.created_at.desc(), payment_methods.c.id)).all()
    return [view(row, today=today, accepted=accepted) for row in found]


def get_method(session: Session, *, customer: Customer, method_id: str):
    row = session.execute(sa.select(payment_methods).where(_mine(customer), payment_methods.c.id == method_id)).first()
    if row is None:
        raise NotFound("No such payment method.")
    return row


def _make_default(session: Session, customer: Customer, method_id: str) -> None:
    session.execute(payment_methods.update().where(_mine(customer), payment_methods.c.is_default.is_(True),
                                                   payment_methods.c.id != method_id).values(is_default=False))
    session.execute(payment_methods.update().where(_mine(customer), payment_methods.c.id == method_id)
                    .values(is_default=True))


def _insert(session: Session, customer: Customer, *, make_default: bool, today: date, **values) -> dict[str, Any]:
    _lock_mine(session, customer)
    has_default = session.scalar(sa.select(sa.func.count()).select_from(payment_methods).where(
        _mine(customer), payment_methods.c.is_default.is_(True))) > 0
    method_id = str(uuid.uuid4())
    session.execute(payment_methods.insert().values(id=method_id, tenant_id=customer.tenant_id,
                                                    contact_id=customer.contact_id, is_default=False, **values))
    if make_default or not has_default:
        _make_default(session, customer, method_id)
    return view(get_method(session, customer=customer, method_id=method_id), today=today,
                accepted=_accepted(session, customer))


def add_card(session: Session, *, customer: Customer, token: str, expiry: str, make_default: bool,
             today: date) -> dict[str, Any]:
    """Save a card by its tokenizer token and MMYY expiry."""
    if CARD not in _accepted(session, customer):
        raise _not_accepted(CARD, "kind")
    if not rules.CARD_TOKEN.match(token):
        raise ValidationFailed("That is not a card token from the tokenizer.", errors={"token": ["Not a card token."]})
    if rules.expired(expiry, today):
        raise ValidationFailed("That card has expired.", errors={"expiry": ["This card has expired."]})
    return _insert(session, customer, make_default=make_default, today=today, kind=CARD, token=token,
                   brand=rules.card_brand(token), last_four=token[-4:], expiry=expiry)


def bank_account_token(processor: AbstractProcessor, *, account: str) -> tuple[str, str]:
    """(token, last four) for "Routing Number/Account Number": checked, then tokenized by the processor.
    Call it outside a transaction (it is an HTTP call)."""
    try:
        routing, number = rules.parse_bank_account(account)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors={"account": [str(exc)]}) from None
    try:
        return processor.tokenize_bank_account(routing=routing, account=number), number[-4:]
    except ProcessorUnavailable:
        raise ApiError("The bank account could not be saved right now. Please try again.", status=503,
                       code="processor_unavailable", title="Processor unavailable") from None


def add_bank_account(session: Session, *, customer: Customer, token: str, last_four: str, account_type: str,
                     make_default: bool, today: date) -> dict[str, Any]:
    if ACH not in _accepted(session, customer):
        raise _not_accepted(ACH, "kind")
    return _insert(session, customer, make_default=make_default, today=today, kind=ACH, token=token,
                   brand=ACCOUNT_TYPES[account_type], last_four=last_four, expiry=None)


def ensure_bank_accounts_accepted(session: Session, *, customer: Customer) -> None:
    """Refuse before tokenizing when the branch takes no ACH."""
    if ACH not in _accepted(session, customer):
        raise _not_accepted(ACH, "kind")


def update_method(session: Session, *, customer: Customer, method_id: str, expiry: str | None,
                  is_default: bool | None, today: date) -> dict[str, Any]:
    """A card's new expiry (the same card, renewed), and/or make it the default."""
    _lock_mine(session, customer)
    row = get_method(session, customer=customer, method_id=method_id)
    if expiry is not None:
        if row.kind != CARD:
            raise ValidationFailed("A bank account has no expiry.", errors={"expiry": ["Only cards expire."]})
        if rules.expired(expiry, today):
            raise ValidationFailed("That date has passed.", errors={"expiry": ["This date has passed."]})
        session.execute(payment_methods.update().where(payment_methods.c.id == row.id).values(expiry=expiry))
    if is_default:
        _make_default(session, customer, row.id)
    elif is_default is False and row.is_default:
        session.execute(payment_methods.update().where(payment_methods.c.id == row.id).values(is_default=False))
    return view(get_method(session, customer=customer, method_id=method_id), today=today,
                accepted=_accepted(session, customer))


def delete_method(session: Session, *, customer: Customer, method_id: str) -> None:
    _lock_mine(session, customer)
    row = get_method(session, customer=customer, method_id=method_id)
    session.execute(payment_methods.delete().where(payment_methods.c.id == row.id))
    if row.is_default:
        newest = session.scalar(sa.select(payment_methods.c.id).where(_mine(customer)).order_by(
            payment_methods.c.created_at.desc(), payment_methods.c.id).limit(1))
        if newest is not None:
            _make_default(session, customer, newest)


def preferences(session: Session, *, customer: Customer) -> dict[str, Any]:
    stored = session.scalar(sa.select(payment_preferences.c.email_receipts).where(
        payment_preferences.c.tenant_id == customer.tenant_id, payment_preferences.c.contact_id == customer.contact_id))
    return {"email_receipts": bool(stored)}


def set_preferences(session: Session, *, customer: Customer, email_receipts: bool) -> dict[str, Any]:
    """Store the choice; turning receipts on (from off) writes `email_receipts_enabled` (a confirmation email)."""
    if email_receipts and not preferences(session, customer=customer)["email_receipts"]:
        record_receipts_enabled(session, customer=customer)
    stmt = pg_insert(payment_preferences).values(tenant_id=customer.tenant_id, contact_id=customer.contact_id,
                                                 email_receipts=email_receipts)
    session.execute(stmt.on_conflict_do_update(index_elements=[payment_preferences.c.tenant_id,
                                                               payment_preferences.c.contact_id],
                                               set_={"email_receipts": stmt.excluded.email_receipts}))
    return preferences(session, customer=customer)
