"""The signed-in customer's portal: Home (dashboard text, carousel, cards), the section pages and the
Property Filter. Settings come from the in-memory BrandingCache; counts from the services' summaries,
asked concurrently; a section switched off in the settings is not in the menu and its page is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request

from portal_web.adapters.billing import billing
from portal_web.adapters.identity import identity
from portal_web.adapters.summaries import count, summaries
from portal_web.auth import is_customer
from portal_web.branding import Branding
from portal_web.entrypoints.pages import current_branch, needs_a_branch
from portal_web.shell import SECTIONS_BY_KEY, build_shell, services_for, store_selection, stored_selection

bp = Blueprint("portal", __name__)
PAGES = ("/", *(s.path for s in SECTIONS_BY_KEY.values()))


bp.before_request(needs_a_branch)


def branch_branding() -> Branding:
    return current_app.extensions["branding_cache"].for_branch(current_branch().get("branch_id"))


def _shell(current: str, me: dict | None = None):
    me = me if me is not None else identity().customer_me()
    branding = branch_branding()
    selected = stored_selection(me)
    answers = summaries().fetch(services_for(branding, current=current), selected or None)
    return build_shell(me, branding, current=current, selected=selected, summaries=answers), answers


def render_home(me: dict):
    shell, _answers = _shell("home", me)
    return render_template("portal_home.html", me=me, shell=shell)


@bp.get("/<any(requests, proposals, visits, invoices):key>")
def section(key: str):
    # What the branch has switched off does not exist, for anyone.
    if not branch_branding().shows(key):
        abort(404)
    if not is_customer():
        return redirect("/login")
    section = SECTIONS_BY_KEY[key]
    shell, answers = _shell(key)
    if key == "invoices":
        return _invoice_list(shell)
    return render_template("section.html", me=shell.me, shell=shell, section=section,
                           count=count(answers.get(section.service), section.card_key))


# -- Invoices (seed 002: "Viewing Invoices", "Paying Invoices") ----------------------------------------

SHOW = {"all": "All", "due": "Due", "paid": "Paid"}


def _whole_number(raw: str | None, default: int = 1) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 7 and int(raw) > 0 else default


def _invoice_list(shell):
    """The list: Show (All, Due, Paid) as links, "N of M", newest first, a page of rows with next/previous."""
    show = request.args.get("show") if request.args.get("show") in SHOW else "all"
    page_number = _whole_number(request.args.get("page"))
    page = billing().invoices(show=show, page=page_number, property_ids=shell.selected_ids or None)
    return render_template("invoices.html", me=shell.me, shell=shell, show=show, shows=SHOW, page=page)


@bp.get("/invoices/<uuid:invoice_id>")
def invoice_detail(invoice_id):
    """One invoice: property, status, due date, balance, services, contact, what it is associated with,
    View Invoice (billing's PDF through the gateway) and, for those billing says may pay, Pay Invoice."""
    if not branch_branding().shows("invoices"):
        abort(404)
    if not is_customer():
        return redirect("/login")
    shell, _answers = _shell("invoices")
    invoice = billing().invoice(str(invoice_id))  # not the customer's: BillingError(404), the 404 page
    return render_template("invoice.html", me=shell.me, shell=shell, invoice=invoice)


@bp.post("/property-filter")
def property_filter():
    if not is_customer():
        return redirect("/login")
    me = identity().customer_me()
    if request.form.get("all"):
        store_selection(me, [])
    else:
        store_selection(me, [v for v in request.form.getlist("property_id") if isinstance(v, str)])
    target = request.form.get("next") or "/"
    return redirect(target if target in PAGES else "/", code=303)
