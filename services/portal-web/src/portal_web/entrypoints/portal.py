"""The signed-in customer's portal: Home (dashboard text, carousel, cards), the section pages and the
Property Filter. Settings come from the in-memory BrandingCache; counts from the services' summaries,
asked concurrently; a section switched off in the settings is not in the menu and its page is a 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, render_template, request

from portal_web.adapters.identity import identity
from portal_web.adapters.page_cache import page_cache
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

    From the page cache when nothing changed since (adapters/page_cache.py); otherwise identity's answer and
    the summaries are asked at the same time, not one after the other: the summaries for the Property Filter
    as stored in the session, checked against identity's properties once both are in, and asked again only
    when the stored selection no longer holds (a property taken away meanwhile).
    """
    branding = branch_branding()
    services = services_for(branding, current=current)
    stored = saved_selection()
    cache = page_cache()
    owner = _owner_of_page()
    cached = cache.read(*owner, stored) if cache and owner else None
    if cached and cached.me is not None and all((cached.summaries or {}).get(s) is not None for s in services):
        me, answers = cached.me, {s: cached.summaries[s] for s in services}
    else:
        client = summaries()
        # The request's headers are read here: the pool's thread has no request context (and must not borrow
        # this one, whose teardown would close the request's uploaded files).
        me_answer = client.executor.submit(identity().customer_me, headers=client.forwarded_headers())
        answers = client.fetch(services, stored or None)
        me = me_answer.result()
        if cached and all(answers.get(s) is not None for s in services):   # a failed card is never kept
            cache.write(*owner, stored, cached.stamp, me, {**(cached.summaries or {}), **answers})
    selected = stored_selection(me)
    if set(selected) != set(stored):
        answers = summaries().fetch(services, selected or None)
    return build_shell(me, branding, current=current, selected=selected, summaries=answers), answers, me


def _owner_of_page() -> tuple[str, str, str] | None:
    """(tenant, branch, account) of the signed-in customer, from the gateway's token."""
    claims = g.get("identity") or {}
    owner = tuple(str(claims.get(k) or "") for k in ("tenant_id", "branch_id", "account_id"))
    return owner if all(owner) else None


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
