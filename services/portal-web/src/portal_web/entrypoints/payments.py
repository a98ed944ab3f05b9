"""Paying and payment methods (seed 002: "Pay Invoice Dialog", "Manage Payments", "Adding a Card/an ACH
Payment Method", "Electronic Receipts"), as pages that work without JavaScript except for a new card.

- *Pay Invoice* (`/invoices/<id>/pay`): Full Balance or Other Amount (only where the branch allows partial
  payments), a saved method (expired cards hidden) or a new one, the Amount, the Convenience Fee (cards
  only) and *Pay Invoices*. The dialog carries one Idempotency-Key, made when it is drawn: a double click
  or a retry pays once (billing replays the first answer). After a decline the page gets a new key, so the
  customer can try another card.
- *Manage Payments* (`/payments`): the saved methods, the default marked; edit (a card's expiry), delete
  (confirmed), make default; *Add Payment Method*; *Email receipts enabled*; and (issue 8) each property's
  *Autopay* (autopay_view.py; turned on and off by entrypoints/autopay.py).

Card data never reaches portal-web: the card fields are the processor's hosted tokenizer in an iframe (its
origin alone is allowed in this page's `frame-src`), which hands payments.js a token by postMessage.
billing decides everything that matters (who may pay, the amount, the fee it charges); what is checked
here is checked only to say so sooner and in the customer's words.
"""
from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request

from portal_shared.money import dollars
from portal_web.adapters.billing import BillingError, billing
from portal_web.autopay_view import autopay_rows
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.entrypoints.portal import branch_branding, open_page, open_section
from portal_web.page_policy import allow_frame_from
from portal_web.payment_forms import (
    MINIMUM_CENTS, NEW_ACH, NEW_CARD, AddPaymentMethodForm, ConfirmForm, EditCardForm, PayInvoiceForm,
    ReceiptsForm, cents_of,
)

bp = Blueprint("payments", __name__)
bp.before_request(needs_a_branch)

TYPE_WORDS = {"card": "Card", "ach": "ACH Transfer"}
DECLINED = "Your card was declined. Try another card."
ALREADY_SENT = "This payment was already sent. Check the invoice's balance before paying again."
IN_FLIGHT = "This payment is still being processed. Wait a moment, then open the invoice again."
NEW_CARD_NEEDED = "Enter your card details and select Use this card, or choose a saved payment method."
ACH_NEEDED = "Enter the Routing Number/Account Number."
SAVED = "Payment method saved."
NOTHING_SAVED = "Nothing was saved: check Save payment method to keep this payment method."


def fee_cents(amount_cents: int, percent: str) -> int:
    """The card Convenience Fee shown before paying: `percent` of the amount, half up to the cent, as
    billing charges it (billing's domain.fees is the rule; its answer is what the receipt shows)."""
    return int((Decimal(amount_cents) * Decimal(percent or "0") / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def method_label(method: dict) -> str:
    return f"{method.get('brand') or TYPE_WORDS.get(method.get('kind'), '')} ****{method.get('last_four') or ''}"


def _payments_branding():
    """The branch's payment settings; a branch that takes no electronic payments has no payments pages."""
    branding = branch_branding()
    if not branding.payments_enabled:
        abort(404)
    return branding


def _tokenizer(branding) -> dict | None:
    """The hosted tokenizer's iframe URL and origin for this page (and the CSP's frame-src), when cards are taken."""
    url, origin = current_app.config.get("PAYMENT_TOKENIZER_URL"), current_app.config.get("PAYMENT_TOKENIZER_ORIGIN")
    if "card" not in branding.accepted_payment_types or not url or not origin:
        return None
    allow_frame_from(origin)
    # The browser's origin (the gateway forwards with its upstream's Host): <scheme>://<slug>.<base domain>.
    slug = (g.get("identity") or {}).get("branch_slug") or ""
    page_origin = f"{current_app.config['PORTAL_SCHEME']}://{slug}.{current_app.config['PORTAL_BASE_DOMAIN']}"
    return {"src": f"{url}?origin={page_origin}", "origin": origin}


# -- Pay Invoice ----------------------------------------------------------------------------------

def _payable(invoice_id) -> tuple:
    shell, refused = open_section("invoices")
    if shell is None:
        return None, None, None, refused
    branding = _payments_branding()
    invoice = billing().invoice(str(invoice_id))   # not the customer's: BillingError(404), the 404 page
    if not invoice.get("may_pay") or not invoice.get("balance_cents"):
        flash("Only the property's Primary contact or the invoice's Billing contact can pay this invoice, while "
              "it has a balance." if not invoice.get("may_pay") else "This invoice has nothing left to pay.", "error")
        return None, None, None, redirect(f"/invoices/{invoice_id}", code=303)
    return shell, branding, invoice, None


def _usable_methods(branding) -> list[dict]:
    """Saved methods the dialog offers: of a type the branch takes, expired cards hidden (seed 002)."""
    return [m for m in billing().payment_methods()
            if m.get("accepted") and not m.get("expired") and m.get("kind") in branding.accepted_payment_types]


def _method_choices(form: PayInvoiceForm, methods: list[dict], branding) -> list[dict]:
    """Every option of the Payment Method radio group, with its kind (the fee is a card's only)."""
    options = [{"value": str(m["id"]), "label": method_label(m) + (" (default)" if m.get("is_default") else ""),
                "kind": m["kind"]} for m in methods]
    if "card" in branding.accepted_payment_types:
        options.append({"value": NEW_CARD, "label": "Add a card", "kind": "card"})
    if "ach" in branding.accepted_payment_types:
        options.append({"value": NEW_ACH, "label": "Add a bank account (ACH Transfer)", "kind": "ach"})
    form.payment_method.choices = [(o["value"], o["label"]) for o in options]
    return options


def _render_pay(shell, branding, invoice, form, options, *, error: str | None = None, status: int = 200,
                several: list[dict] | None = None):
    """The dialog for one invoice, or (`several`, with `invoice` their sum) for Pay all due."""
    if form.payment_method.data is None and options:
        default = next((o["value"] for o in options if o["value"] not in (NEW_CARD, NEW_ACH)), options[0]["value"])
        form.payment_method.data = default
    chosen = next((o for o in options if o["value"] == form.payment_method.data), None)
    amount_cents = invoice["balance_cents"]
    if branding.partial_payments and form.balance.data == "other":
        amount_cents = cents_of(form.amount.data or "") or amount_cents
    if not form.amount.data:
        form.amount.data = f"{invoice['balance_cents'] / 100:.2f}"
    fee = fee_cents(amount_cents, branding.card_convenience_fee_percent)
    return render_template("pay_invoice.html", me=shell.me, shell=shell, invoice=invoice, form=form,
                           options=options, chosen_kind=(chosen or {}).get("kind"), branding=branding, several=several,
                           tokenizer=_tokenizer(branding), error=error, amount_cents=amount_cents, fee_cents=fee,
                           fee_percent=branding.card_convenience_fee_percent), status


@bp.get("/invoices/<uuid:invoice_id>/pay")
def pay_invoice(invoice_id):
    shell, branding, invoice, refused = _payable(invoice_id)
    if shell is None:
        return refused
    form = PayInvoiceForm(idempotency_key=str(uuid.uuid4()))
    options = _method_choices(form, _usable_methods(branding), branding)
    return _render_pay(shell, branding, invoice, form, options)


def _other_amount_error(form: PayInvoiceForm, balance_cents: int) -> str | None:
    cents = cents_of(form.amount.data or "")
    if cents is None:
        return "Enter the amount in dollars and cents, e.g. 100.00."
    if cents < MINIMUM_CENTS:
        return "Enter at least $1.00."
    if cents > balance_cents:
        return f"Enter at most the balance, {dollars(balance_cents)}."
    return None


def _amount_to_send(form: PayInvoiceForm, branding, balance_cents: int) -> str | None:
    """None pays the full balance (billing's own figure); else the other amount as a decimal string."""
    if not branding.partial_payments or form.balance.data != "other":
        return None
    cents = cents_of(form.amount.data or "")
    return None if cents == balance_cents else f"{cents // 100}.{cents % 100:02d}"


def _check_pay_form(form: PayInvoiceForm, branding, invoice) -> bool:
    valid = form.validate()
    if branding.partial_payments and form.balance.data == "other":
        problem = _other_amount_error(form, invoice["balance_cents"])
        if problem:
            form.amount.errors = [*form.amount.errors, problem]
            valid = False
    choice = form.payment_method.data
    if choice == NEW_CARD and not (form.token.data and form.expiry.data):
        form.payment_method.errors = [*form.payment_method.errors, NEW_CARD_NEEDED]
        valid = False
    if choice == NEW_ACH and not form.account.data:
        form.account.errors = [*form.account.errors, ACH_NEEDED]
        valid = False
    return valid


def _place_billing_errors(form, error: BillingError, aliases: dict[str, str]) -> list[str]:
    """billing's field messages on our fields; the rest (and the detail) for the page's alert."""
    unplaced = []
    for api_field, messages_ in error.errors.items():
        field = getattr(form, aliases.get(api_field, api_field), None)
        if field is None or api_field == "csrf_token":
            unplaced.extend(messages_)
        else:
            field.errors = [*field.errors, *messages_]
    return unplaced


PAY_ALIASES = {"amount": "amount", "payment_method_id": "payment_method", "token": "payment_method",
               "expiry": "payment_method", "account": "account"}


@bp.post("/invoices/<uuid:invoice_id>/pay")
def pay_invoice_submit(invoice_id):
    shell, branding, invoice, refused = _payable(invoice_id)
    if shell is None:
        return refused

    def pay(client, **payment):
        return client.pay(str(invoice_id), **payment)

    def done(payment):
        balance = billing().invoice(str(invoice_id)).get("balance_cents")
        return f"New balance: {dollars(balance or 0)}.", f"/invoices/{invoice_id}"

    return _submit_payment(shell, branding, invoice, pay, done)


def _submit_payment(shell, branding, invoice, pay, done, several: list[dict] | None = None):
    """The dialog's POST, for one invoice or several: `pay(client, key=, amount=, <source>)` asks billing,
    `done(payment)` is (the closing words, where to go)."""
    form = PayInvoiceForm()
    options = _method_choices(form, _usable_methods(branding), branding)
    if not _check_pay_form(form, branding, invoice):
        return _render_pay(shell, branding, invoice, form, options, status=422, several=several)
    client, key, choice = billing(), form.idempotency_key.data, form.payment_method.data
    amount = _amount_to_send(form, branding, invoice["balance_cents"])
    added_bank_account = None
    try:
        if choice == NEW_ACH:
            # billing debits saved bank accounts only: save it first (and forget it after, unless asked to keep it).
            added_bank_account = client.add_payment_method({"kind": "ach", "account": form.account.data,
                                                            "make_default": bool(form.make_default.data)})
            answer = pay(client, key=key, amount=amount, payment_method_id=added_bank_account["id"])
        elif choice == NEW_CARD:
            answer = pay(client, key=key, amount=amount, token=form.token.data, expiry=form.expiry.data)
        else:
            answer = pay(client, key=key, amount=amount, payment_method_id=choice)
    except BillingError as error:
        if added_bank_account is not None and not form.save_method.data:
            _forget(added_bank_account["id"])
        return _refused_payment(shell, branding, invoice, form, options, error, several=several)
    if added_bank_account is not None and not form.save_method.data:
        _forget(added_bank_account["id"])
    if choice == NEW_CARD and form.save_method.data and not answer.replayed:
        _save_card_after_paying(form)
    payment = answer.payment
    closing, target = done(payment)
    if payment.get("status") == "pending":
        flash(f"Your bank payment of {dollars(payment['amount_cents'])} is pending: it usually settles within a "
              "few business days.", "info")
    elif answer.status == 202:
        flash("We are confirming your payment with the processor. You will not be charged twice.", "info")
    else:
        fee = f" (plus a {dollars(payment['fee_cents'])} Convenience Fee)" if payment.get("fee_cents") else ""
        flash(f"Payment received: {dollars(payment['amount_cents'])}{fee}. {closing}", "success")
    return redirect(target, code=303)


# -- Pay all due (several invoices, one payment; billing's POST /payments) ------------------------------

def payable_due(shell) -> list[dict]:
    """The due invoices of the Property Filter's properties (the first page of the Due list) that billing says
    the customer may pay, oldest first (the order billing allocates an amount in)."""
    client = billing()
    found = []
    for row in client.invoices(show="due", page=1, property_ids=shell.selected_ids or None).rows:
        invoice = client.invoice(str(row["id"]))
        if invoice.get("may_pay") and invoice.get("balance_cents"):
            found.append(invoice)
    return sorted(found, key=lambda i: (str(i.get("invoice_date") or ""), str(i.get("due_date") or ""),
                                        str(i.get("number") or "")))


def _all_due(shell):
    """(branding, the invoices, their sum as the dialog's one "invoice"), or a redirect when fewer than two."""
    branding = _payments_branding()
    invoices = payable_due(shell)
    if len(invoices) < 2:
        flash("Pay all due is for two or more due invoices you may pay: pay this one from its page."
              if invoices else "No due invoices that you may pay.", "info")
        return None, None, None, redirect("/invoices", code=303)
    total = {"id": None, "balance_cents": sum(i["balance_cents"] for i in invoices)}
    return branding, invoices, total, None


@bp.get("/invoices/pay-due")
def pay_all_due():
    shell, refused = open_section("invoices")
    if shell is None:
        return refused
    branding, invoices, total, refused = _all_due(shell)
    if branding is None:
        return refused
    form = PayInvoiceForm(idempotency_key=str(uuid.uuid4()))
    options = _method_choices(form, _usable_methods(branding), branding)
    return _render_pay(shell, branding, total, form, options, several=invoices)


@bp.post("/invoices/pay-due")
def pay_all_due_submit():
    shell, refused = open_section("invoices")
    if shell is None:
        return refused
    branding, invoices, total, refused = _all_due(shell)
    if branding is None:
        return refused
    shown = request.form.getlist("invoice_id")
    if sorted(shown) != sorted(str(i["id"]) for i in invoices):
        flash("The invoices due have changed since the page was shown: check them and pay again.", "info")
        return redirect("/invoices/pay-due", code=303)

    def pay(client, **payment):
        return client.pay_several(shown, **payment)

    def done(payment):
        numbers = ", ".join(f"#{a.get('invoice_number')}" for a in payment.get("allocations") or [])
        return (f"Invoices paid: {numbers}." if numbers else ""), "/invoices"

    return _submit_payment(shell, branding, total, pay, done, several=invoices)


def _forget(method_id: str) -> None:
    try:
        billing().delete_payment_method(str(method_id))
    except BillingError:
        pass


def _save_card_after_paying(form: PayInvoiceForm) -> None:
    """Keep the new card for next time (after the payment, so a retry of the payment stays the same request)."""
    try:
        billing().add_payment_method({"kind": "card", "token": form.token.data, "expiry": form.expiry.data,
                                      "make_default": bool(form.make_default.data)})
    except BillingError as error:
        flash(f"Your payment went through, but the card was not saved: {error.detail or 'try again later'}", "info")


def _refused_payment(shell, branding, invoice, form, options, error: BillingError, several: list[dict] | None = None):
    """The dialog again, with billing's reason; a decline or a reused key also gets a new key for the next try."""
    if error.status == 402:
        message = error.detail or DECLINED
    elif error.status == 409:
        message = IN_FLIGHT
    elif error.code == "idempotency_key_reused":
        message = ALREADY_SENT
    elif error.status == 403:
        message = error.detail or "You can't pay this invoice."
    else:
        unplaced = _place_billing_errors(form, error, PAY_ALIASES)
        message = " ".join(unplaced) or error.detail or "Check the highlighted fields."
    if error.status in (402, 422):
        form.idempotency_key.data = str(uuid.uuid4())   # billing keeps this key's answer: the next try is new
    if error.status == 402 and form.payment_method.data == NEW_CARD:
        form.token.data = form.expiry.data = ""          # that card was declined: enter another
    return _render_pay(shell, branding, invoice, form, options, error=message, status=error.status, several=several)


# -- Manage Payments ----------------------------------------------------------------------------------

def manage_gate():
    shell, refused = open_page("payments")
    if shell is None:
        return None, None, refused
    return shell, _payments_branding(), None


def render_manage(shell, branding, *, autopay_posted=None, status: int = 200):
    """Manage Payments; `autopay_posted` (property id, form, billing's refusal) redraws a refused Autopay form."""
    client = billing()
    receipts = ReceiptsForm(email_receipts=client.email_receipts())
    methods = client.payment_methods()
    return render_template("payment_methods.html", me=shell.me, shell=shell, methods=methods,
                           receipts=receipts, confirm=ConfirmForm(), label=method_label,
                           autopay=autopay_rows(shell.properties, methods, method_label, posted=autopay_posted),
                           accepted=[TYPE_WORDS[t] for t in branding.accepted_payment_types if t in TYPE_WORDS]), status


@bp.get("/payments")
def manage_payments():
    shell, branding, refused = manage_gate()
    if shell is None:
        return refused
    return render_manage(shell, branding)


@bp.post("/payments/receipts")
def set_receipts():
    shell, _branding, refused = manage_gate()
    if shell is None:
        return refused
    form = ReceiptsForm()
    if form.validate():
        on = billing().set_email_receipts(bool(form.email_receipts.data))
        flash("Email receipts are on: we will email you a receipt for each payment." if on
              else "Email receipts are off.", "success")
    return redirect("/payments", code=303)


def _render_add(shell, branding, form, *, error=None, status=200):
    kinds = [(t, TYPE_WORDS[t]) for t in branding.accepted_payment_types if t in TYPE_WORDS]
    form.kind.choices = kinds
    if form.kind.data not in dict(kinds):
        form.kind.data = kinds[0][0]
    return render_template("payment_method_add.html", me=shell.me, shell=shell, form=form, kinds=kinds,
                           tokenizer=_tokenizer(branding), error=error), status


@bp.get("/payments/add")
def add_payment_method():
    shell, branding, refused = manage_gate()
    if shell is None:
        return refused
    return _render_add(shell, branding, AddPaymentMethodForm())


@bp.post("/payments/add")
def add_payment_method_submit():
    shell, branding, refused = manage_gate()
    if shell is None:
        return refused
    form = AddPaymentMethodForm()
    form.kind.choices = [(t, TYPE_WORDS[t]) for t in branding.accepted_payment_types if t in TYPE_WORDS]
    valid = form.validate()
    if form.kind.data == "card" and not (form.token.data and form.expiry.data):
        form.token.errors = [NEW_CARD_NEEDED.split(", or")[0] + "."]
        valid = False
    if form.kind.data == "ach" and not form.account.data:
        form.account.errors = [*form.account.errors, ACH_NEEDED]
        valid = False
    if not valid:
        return _render_add(shell, branding, form, error=" ".join(form.token.errors) or None, status=422)
    if not form.save_method.data:
        flash(NOTHING_SAVED, "info")
        return redirect("/payments", code=303)
    body = ({"kind": "card", "token": form.token.data, "expiry": form.expiry.data} if form.kind.data == "card"
            else {"kind": "ach", "account": form.account.data})
    try:
        billing().add_payment_method({**body, "make_default": bool(form.make_default.data)})
    except BillingError as error:
        if error.status != 422:
            raise
        unplaced = _place_billing_errors(form, error, {"token": "token", "expiry": "token", "account": "account",
                                                       "kind": "kind"})
        return _render_add(shell, branding, form, error=" ".join([*unplaced, *form.token.errors]) or error.detail,
                           status=422)
    flash(SAVED, "success")
    return redirect("/payments", code=303)


def _saved_method(method_id) -> dict:
    method = next((m for m in billing().payment_methods() if str(m.get("id")) == str(method_id)), None)
    if method is None:
        abort(404)
    return method


@bp.route("/payments/<uuid:method_id>/edit", methods=["GET", "POST"])
def edit_payment_method(method_id):
    shell, _branding, refused = manage_gate()
    if shell is None:
        return refused
    method = _saved_method(method_id)
    if method.get("kind") != "card":
        abort(404)   # a bank account has nothing to edit but its default: Make default
    expiry = method.get("expiry") or ""
    form = EditCardForm(expiry=f"{expiry[:2]}/20{expiry[2:]}" if len(expiry) == 4 else "")
    if form.validate_on_submit():
        month, year = form.expiry.data.split("/")
        try:
            billing().update_payment_method(str(method_id), {"expiry": f"{month}{year[2:]}"})
        except BillingError as error:
            if error.status != 422:
                raise
            form.expiry.errors = [m for ms in error.errors.values() for m in ms] or [error.detail or "Not valid."]
        else:
            flash(f"{method_label(method)} updated.", "success")
            return redirect("/payments", code=303)
    status = 422 if form.errors else 200
    return render_template("payment_method_edit.html", me=shell.me, shell=shell, form=form, method=method,
                           label=method_label(method)), status


@bp.post("/payments/<uuid:method_id>/default")
def make_default(method_id):
    shell, _branding, refused = manage_gate()
    if shell is None:
        return refused
    if ConfirmForm().validate():
        method = billing().make_default(str(method_id))
        flash(f"{method_label(method)} is now your default payment method.", "success")
    return redirect("/payments", code=303)


@bp.route("/payments/<uuid:method_id>/delete", methods=["GET", "POST"])
def delete_payment_method(method_id):
    shell, _branding, refused = manage_gate()
    if shell is None:
        return refused
    method = _saved_method(method_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        billing().delete_payment_method(str(method_id))
        flash(f"{method_label(method)} was deleted.", "success")
        return redirect("/payments", code=303)
    return render_template("payment_method_delete.html", me=shell.me, shell=shell, form=form, method=method,
                           label=method_label(method))
