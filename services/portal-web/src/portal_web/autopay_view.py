"""The Autopay section of Manage Payments (issue 8, beyond the seeds; billing's ADR 0023): one row per property
the customer sees, from billing's `GET /autopay/<property_id>` — On with the method (shown to the contact who
enrolled it), On by another contact, or Off — and, where billing says the customer may (`may_enrol`: the
property's Primary or Billing contact), a form to choose a saved method and turn it on, and to turn it off.

The methods offered are those billing would take: saved, not expired, of a type the branch accepts.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal_web.account_forms import AutopayForm
from portal_web.adapters.billing import BillingError, billing


@dataclass
class AutopayRow:
    property_id: str
    name: str
    place: str
    known: bool              # billing answered for this property (a property it does not know yet: False)
    enrolled: bool
    by_you: bool
    method: dict | None
    may_enrol: bool
    form: AutopayForm
    error: str | None = None


def autopay_methods(methods: list[dict]) -> list[dict]:
    """The saved methods autopay may charge: not expired, of a type the branch accepts."""
    return [m for m in methods if not m.get("expired") and m.get("accepted", True)]


def autopay_form(property_id: str, choices: list[tuple[str, str]], **kwargs) -> AutopayForm:
    form = AutopayForm(prefix=f"autopay-{property_id}", **kwargs)
    form.payment_method_id.choices = choices
    return form


def autopay_rows(properties: list[dict], methods: list[dict], label, *,
                 posted: tuple[str, AutopayForm, str | None] | None = None) -> list[AutopayRow]:
    """Each visible property's autopay; `posted` is (property id, its submitted form, billing's refusal) after
    a refused form, so that row shows what was chosen and why it was refused."""
    choices = [(str(m["id"]), label(m) + (" (default)" if m.get("is_default") else "")) for m in autopay_methods(methods)]
    default = next((str(m["id"]) for m in autopay_methods(methods) if m.get("is_default")),
                   choices[0][0] if choices else None)
    client, rows = billing(), []
    for place in properties:
        property_id = str(place.get("property_id") or "")
        if not property_id:
            continue
        try:
            state, known = client.autopay(property_id), True
        except BillingError as error:
            if error.status != 404:
                raise
            state, known = {}, False
        method = state.get("payment_method") if isinstance(state.get("payment_method"), dict) else None
        if posted is not None and posted[0] == property_id:
            form, error_text = posted[1], posted[2]
        else:
            chosen = str(method["id"]) if method and any(v == str(method["id"]) for v, _ in choices) else default
            form, error_text = autopay_form(property_id, choices, formdata=None, payment_method_id=chosen), None
        rows.append(AutopayRow(
            property_id=property_id, name=str(place.get("name") or ""),
            place=", ".join(str(v) for v in (place.get("city"), place.get("state")) if v),
            known=known, enrolled=bool(state.get("enrolled")), by_you=bool(state.get("enrolled_by_you")),
            method=method, may_enrol=bool(state.get("may_enrol")), form=form, error=error_text))
    return rows
