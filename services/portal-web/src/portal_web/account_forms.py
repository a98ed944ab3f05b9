"""The forms of a customer's account beyond the seeds (issue 8, part 6): a property's Autopay on Manage
Payments, and the account Statement on the Invoices page.

billing decides both: who may turn autopay on (the property's Primary or Billing contact, its `may_enrol`),
which methods it takes, and a statement's range (billing's domain/statements.py `range_errors`: "to" on or
after "from", at most three years). What is checked here is checked only to say so at the field, sooner
and in the customer's words.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired

STATEMENT_MAX_RANGE = timedelta(days=3 * 366)    # billing's MAX_RANGE: three years, a leap day included
BAD_DATE = "Enter a date, e.g. {example}."
TO_BEFORE_FROM = "Enter a To date on or after the From date."
TOO_LONG = "A statement covers at most three years: choose a shorter range."


class AutopayForm(FlaskForm):
    """One property's Autopay: one form per property (its `prefix` keeps the fields' ids apart)."""
    payment_method_id = SelectField("Payment method", choices=[], validate_choice=True,
                                    validators=[InputRequired("Choose a saved payment method.")])


class StatementForm(FlaskForm):
    property_id = SelectField("Property", choices=[], validate_choice=True,
                              validators=[InputRequired("Choose a property.")])
    start = DateField("From", validators=[InputRequired("Enter the statement's first day.")])
    end = DateField("To", validators=[InputRequired("Enter the statement's last day.")])


def a_year_before(day: date) -> date:
    """The same day a year earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def statement_form(properties: list[dict], selected_ids: list[str], today: date, **kwargs) -> StatementForm:
    """The Statement form: the customer's properties (the Property Filter's single selection first chosen),
    and the last twelve months (a year ago to today)."""
    form = StatementForm(**kwargs)
    form.property_id.choices = [(str(p["property_id"]), str(p.get("name") or p["property_id"])) for p in properties
                                if p.get("property_id")]
    if form.property_id.data is None:
        ids = [value for value, _label in form.property_id.choices]
        form.property_id.data = selected_ids[0] if len(selected_ids) == 1 and selected_ids[0] in ids else (
            ids[0] if ids else None)
    if not form.is_submitted():
        form.start.data, form.end.data = a_year_before(today), today
    return form


def check_statement(form: StatementForm, today: date) -> bool:
    """Validate, with the date messages at their fields (a date the browser could not send as one included)."""
    valid = form.validate()
    for field in (form.start, form.end):
        if field.errors and field.raw_data and field.raw_data[0]:
            field.errors = [BAD_DATE.format(example=today.isoformat())]
    if valid and form.end.data < form.start.data:
        form.end.errors = [*form.end.errors, TO_BEFORE_FROM]
        valid = False
    elif valid and form.end.data - form.start.data > STATEMENT_MAX_RANGE:
        form.end.errors = [*form.end.errors, TOO_LONG]
        valid = False
    return valid
