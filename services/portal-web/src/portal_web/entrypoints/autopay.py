"""Autopay on Manage Payments (issue 8, beyond the seeds; billing's ADR 0023): turn a property's autopay on with
a saved method (or change the method), and turn it off. billing decides (`PUT`/`DELETE /autopay/<property_id>`):
its 403 (not the property's Primary or Billing contact) and 422 (the method: expired, not accepted, not yours)
come back as the Manage Payments page with the reason at that property's form."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect

from portal_web.account_forms import AutopayForm
from portal_web.adapters.billing import BillingError, billing
from portal_web.autopay_view import autopay_methods
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.entrypoints.payments import manage_gate, method_label, render_manage
from portal_web.payment_forms import ConfirmForm

bp = Blueprint("autopay", __name__)
bp.before_request(needs_a_branch)

NOT_ALLOWED = "Only the property's Primary or Billing contact can set up autopay."


def _property(shell, property_id) -> dict:
    place = next((p for p in shell.properties if str(p.get("property_id")) == str(property_id)), None)
    if place is None:
        abort(404)
    return place


def _refusal(error: BillingError) -> str:
    if error.status == 403:
        return error.detail or NOT_ALLOWED
    messages = [m for ms in error.errors.values() for m in ms]
    return " ".join([error.detail, *messages] if error.detail else messages) or "Choose another payment method."


@bp.post("/payments/autopay/<property_id>")
def turn_on(property_id):
    shell, branding, refused = manage_gate()
    if shell is None:
        return refused
    place = _property(shell, property_id)
    client = billing()
    methods = autopay_methods(client.payment_methods())
    form = AutopayForm(prefix=f"autopay-{property_id}")
    form.payment_method_id.choices = [(str(m["id"]), method_label(m)) for m in methods]
    if not form.validate():
        return render_manage(shell, branding, autopay_posted=(str(property_id), form, None), status=422)
    try:
        answer = client.enrol_autopay(str(property_id), form.payment_method_id.data)
    except BillingError as error:
        if error.status not in (403, 422):
            raise
        return render_manage(shell, branding, autopay_posted=(str(property_id), form, _refusal(error)),
                             status=error.status)
    method = answer.get("payment_method") or next(m for m in methods if str(m["id"]) == form.payment_method_id.data)
    flash(f"Autopay is on for {place.get('name')}: {method_label(method)} will be charged each invoice's balance "
          "on its due date. We email you three days before each charge.", "success")
    return redirect("/payments", code=303)


@bp.post("/payments/autopay/<property_id>/off")
def turn_off(property_id):
    shell, branding, refused = manage_gate()
    if shell is None:
        return refused
    place = _property(shell, property_id)
    if not ConfirmForm().validate():
        return redirect("/payments", code=303)
    try:
        billing().cancel_autopay(str(property_id))
    except BillingError as error:
        if error.status != 403:
            raise
        flash(error.detail or NOT_ALLOWED, "error")
        return redirect("/payments", code=303)
    flash(f"Autopay is off for {place.get('name')}.", "success")
    return redirect("/payments", code=303)
