"""The forms of the payments pages (seed 002: the Pay Invoice dialog, Manage Payments, Add Payment Method).

Card data never reaches these forms: the card fields are the processor's hosted tokenizer (an iframe on
its origin) and payments.js puts only its token and MMYY expiry into the hidden `token` and `expiry`.
A bank account ("Routing Number/Account Number") is sent on to billing, which checks it (the routing
checksum included) and has the processor tokenize it before anything is stored.
"""
from __future__ import annotations

import re
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

MONEY = re.compile(r"^\$?\s*([0-9]{1,3}(,[0-9]{3})+|[0-9]{1,9})(\.[0-9]{1,2})?\Z")
BANK_ACCOUNT_FORMAT = r"^[0-9]+/[0-9]+\Z"
BANK_ACCOUNT_HINT = 'The routing number, a "/", then the account number: digits only, no spaces.'
CARD_EXPIRY = r"^(0[1-9]|1[0-2])[0-9]{2}\Z"
NEW_CARD, NEW_ACH = "new-card", "new-ach"
MINIMUM_CENTS = 100


def cents_of(text: str) -> int | None:
    """Dollars as typed ("$1,234.5", "100") in cents; None when it is not an amount."""
    raw = (text or "").strip()
    if not MONEY.match(raw):
        return None
    return int(Decimal(raw.replace("$", "").replace(",", "").strip()) * 100)


class NewMethodFields(FlaskForm):
    """The fields of a new payment method, shared by the pay dialog and Add Payment Method."""
    token = HiddenField(validators=[Optional(), Length(max=40), Regexp(r"^9[0-9]{14,18}\Z")])
    expiry = HiddenField(validators=[Optional(), Regexp(CARD_EXPIRY)])
    account = StringField("Routing Number/Account Number", description=BANK_ACCOUNT_HINT,
                          validators=[Optional(), Length(max=40), Regexp(BANK_ACCOUNT_FORMAT, message=BANK_ACCOUNT_HINT)],
                          render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"})
    save_method = BooleanField("Save payment method", default=True)
    make_default = BooleanField("Make this my default payment method", default=True)
    use_default_address = BooleanField("Use default billing address", default=True)


class PayInvoiceForm(NewMethodFields):
    # One per dialog, made when the page is drawn: a double click or a retry pays once.
    idempotency_key = HiddenField(validators=[InputRequired(), Length(max=64)])
    balance = RadioField("Balance Amount", choices=[("full", "Full Balance"), ("other", "Other Amount")],
                         default="full")
    amount = StringField("Amount", validators=[Length(max=20)], render_kw={"inputmode": "decimal",
                                                                           "autocomplete": "off"})
    payment_method = RadioField("Payment Method", choices=[], validate_choice=True,
                                validators=[InputRequired("Choose a payment method.")])


class AddPaymentMethodForm(NewMethodFields):
    kind = RadioField("Payment type", choices=[("card", "Card"), ("ach", "ACH Transfer")], default="card",
                      validators=[InputRequired("Choose Card or ACH Transfer.")])


class EditCardForm(FlaskForm):
    expiry = StringField("Expiration date (MM/YYYY)", validators=[
        InputRequired("Enter the card's expiration date."),
        Regexp(r"^(0[1-9]|1[0-2])/[0-9]{4}\Z", message="Enter the month and year as MM/YYYY, e.g. 09/2029.")],
        render_kw={"inputmode": "numeric", "autocomplete": "cc-exp", "placeholder": "MM/YYYY"})


class ReceiptsForm(FlaskForm):
    email_receipts = BooleanField("Email receipts enabled")


class ConfirmForm(FlaskForm):
    """A button alone (make default, delete): the CSRF token is the whole form."""
