"""The signed-in customer's portal: Home (dashboard text, carousel, cards), the section pages and the
Property Filter. Settings come from the in-memory BrandingCache; counts from the services' summaries,
asked concurrently; a section switched off in the settings is not in the menu and its page is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request

from portal_web.adapters.identity import identity
from portal_web.adapters.summaries import summaries
from portal_web.auth import is_customer
from portal_web.branding import Branding
from portal_web.entrypoints.pages import current_branch, needs_a_branch
from portal_web.shell import (SECTIONS_BY_KEY, build_shell, saved_selection, services_for, store_selection,
                              stored_selection)

bp = Blueprint("portal", __name__)
PAGES = ("/", *(s.path for s in SECTIONS_BY_KEY.values()))


bp.before_request(needs_a_branch)


def branch_branding() -> Branding:
    return current_app.extensions["branding_cache"].for_branch(current_branch().get("branch_id"))


def _shell(current: str):
    shell, answers, _me = _load(current)
    return shell, answers


def _load(current: str):
    """(shell, summaries, identity's account) for a signed-in customer's page.

    Identity's answer and the summaries are asked at the same time, not one after the other: the summaries
    for the Property Filter as stored in the session, checked against identity's properties once both are
    in, and asked again only when the stored selection no longer holds (a property taken away meanwhile).
    """
    branding = branch_branding()
    services = services_for(branding, current=current)
    client = summaries()
    stored = saved_selection()
    # The request's headers are read here: the pool's thread has no request context (and must not borrow
    # this one, whose teardown would close the request's uploaded files).
    me_answer = client.executor.submit(identity().customer_me, headers=client.forwarded_headers())
    answers = client.fetch(services, stored or None)
    me = me_answer.result()
    selected = stored_selection(me)
    if set(selected) != set(stored):
        answers = client.fetch(services, selected or None)
    return build_shell(me, branding, current=current, selected=selected, summaries=answers), answers, me


def render_home():
    shell, _answers, me = _load("home")
    return render_template("portal_home.html", me=me, shell=shell)


def open_section(key: str):
    """The gate every section page passes: a section the branch switched off is a 404 for everyone, a
    visitor goes to sign in. Returns (shell, summaries) for a signed-in customer, else a response."""
    if not branch_branding().shows(key):
        abort(404)
    if not is_customer():
        return None, redirect("/login")
    return _shell(key)


def open_page(current: str):
    """The gate of a signed-in customer's page outside the sections (Manage Payments): a visitor goes to
    sign in. Returns (shell, summaries), or (None, the redirect)."""
    if not is_customer():
        return None, redirect("/login")
    return _shell(current)


def whole_number(raw: str | None, default: int = 1) -> int:
    """A page number from the query string; anything else is the default."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 7 and int(raw) > 0 else default


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
