"""Invoices (seed 002: "Viewing Invoices", "Paying Invoices"): the list and one invoice."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from portal_web.adapters.billing import billing
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.entrypoints.portal import open_section, whole_number

bp = Blueprint("invoices", __name__)
bp.before_request(needs_a_branch)

SHOW = {"all": "All", "due": "Due", "paid": "Paid"}


@bp.get("/invoices")
def invoice_list():
    """The list: Show (All, Due, Paid) as links, "N of M", newest first, a page of rows with next/previous."""
    shell, refused = open_section("invoices")
    if shell is None:
        return refused
    show = request.args.get("show") if request.args.get("show") in SHOW else "all"
    page = billing().invoices(show=show, page=whole_number(request.args.get("page")),
                              property_ids=shell.selected_ids or None)
    return render_template("invoices.html", me=shell.me, shell=shell, show=show, shows=SHOW, page=page)


@bp.get("/invoices/<uuid:invoice_id>")
def invoice_detail(invoice_id):
    """One invoice: property, status, due date, balance, services, contact, what it is associated with,
    View Invoice (billing's PDF through the gateway) and, for those billing says may pay, Pay Invoice."""
    shell, refused = open_section("invoices")
    if shell is None:
        return refused
    invoice = billing().invoice(str(invoice_id))  # not the customer's: BillingError(404), the 404 page
    return render_template("invoice.html", me=shell.me, shell=shell, invoice=invoice)
