"""Invoices (seed 002: "Viewing Invoices", "Paying Invoices"): the list and one invoice; and (issue 8, beyond
the seeds) the account Statement: a property and a date range, downloaded as billing's PDF; and *Pay all due*
(to payments.py's page for several invoices) when more than one due invoice is one the customer may pay."""
from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request

from portal_web.account_forms import check_statement, statement_form
from portal_web.adapters.billing import billing
from portal_web.adapters.summaries import count
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.entrypoints.payments import payable_due
from portal_web.entrypoints.portal import branch_branding, open_section, whole_number

bp = Blueprint("invoices", __name__)
bp.before_request(needs_a_branch)

SHOW = {"all": "All", "due": "Due", "paid": "Paid"}


def _today():
    return datetime.now(UTC).date()


def _pay_all_due_shown(shell, show: str, page, summaries: dict | None) -> bool:
    """Pay all due: when the branch takes payments and more than one due invoice is one the customer may pay."""
    if not branch_branding().payments_enabled:
        return False
    due = page.total if show == "due" else count((summaries or {}).get("billing"), "invoices_due")
    if due is None:   # billing's summary did not answer: ask for the Due list itself
        due = billing().invoices(show="due", page=1, property_ids=shell.selected_ids or None).total
    return due > 1 and len(payable_due(shell)) > 1


def _render_list(shell, summaries, show: str, page_number: int, statement, status: int = 200):
    """`summaries`: the shell's (billing's `invoices_due` is the Due list's total: no second list call)."""
    page = billing().invoices(show=show, page=page_number, property_ids=shell.selected_ids or None)
    return render_template("invoices.html", me=shell.me, shell=shell, show=show, shows=SHOW, page=page,
                           statement=statement, pay_all_due=_pay_all_due_shown(shell, show, page, summaries)), status


@bp.get("/invoices")
def invoice_list():
    """The list: Show (All, Due, Paid) as links, "N of M", newest first, a page of rows with next/previous;
    then the Statement form."""
    shell, summaries = open_section("invoices")
    if shell is None:
        return summaries   # the refusal
    show = request.args.get("show") if request.args.get("show") in SHOW else "all"
    return _render_list(shell, summaries, show, whole_number(request.args.get("page")),
                        statement_form(shell.properties, shell.selected_ids, _today()))


@bp.post("/invoices/statement")
def download_statement():
    """Download Statement: a good range goes on to billing's PDF through the gateway (as View Invoice does);
    a bad one is the Invoices page again, the messages at their fields."""
    shell, summaries = open_section("invoices")
    if shell is None:
        return summaries   # the refusal
    today = _today()
    form = statement_form(shell.properties, shell.selected_ids, today)
    if not check_statement(form, today):
        return _render_list(shell, summaries, "all", 1, form, status=422)
    query = urlencode({"property_id": form.property_id.data, "from": form.start.data.isoformat(),
                       "to": form.end.data.isoformat()})
    return redirect(f"/api/billing/statements?{query}", code=303)


@bp.get("/invoices/<uuid:invoice_id>")
def invoice_detail(invoice_id):
    """One invoice: property, status, due date, balance, services, contact, what it is associated with,
    View Invoice (billing's PDF through the gateway) and, for those billing says may pay, Pay Invoice."""
    shell, refused = open_section("invoices")
    if shell is None:
        return refused
    invoice = billing().invoice(str(invoice_id))  # not the customer's: BillingError(404), the 404 page
    return render_template("invoice.html", me=shell.me, shell=shell, invoice=invoice)
