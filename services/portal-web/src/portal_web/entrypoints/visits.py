"""Visits (seed 002: "Viewing Visits"): the list (Show: Next 30 Days, Completed; "N of M"), one visit
(services, the notes shown in the portal, the service contact, Add to calendar), and the customer's
private calendar feed (shown once when made, made anew, turned off). visits decides what the customer
may see; this module only lays it out, each time in the branch's time zone as visits gives it."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request

from portal_shared.logging import get_logger
from portal_web.adapters.visits import VisitsError, VisitsUnavailable, visits
from portal_web.auth import clear_session_cookie
from portal_web.entrypoints.pages import current_branch, needs_a_branch
from portal_web.entrypoints.portal import branch_branding, open_section, whole_number
from portal_web.errors import message_page

log = get_logger(__name__)
bp = Blueprint("visits", __name__)
bp.before_request(needs_a_branch)

SHOW = {"upcoming": "Next 30 Days", "completed": "Completed"}
NO_SUCH_VISIT = "This visit is not one of yours, or it no longer exists."
VISITS_UNAVAILABLE = "We can't show your visits right now. Wait a moment and try again."
FEED_MADE = "Your new calendar feed address is ready. Any earlier address has stopped working."
FEED_OFF = "Your calendar feed is turned off. Its address no longer works."


@bp.app_template_filter("visit_date")
def visit_date(value: str | None) -> str:
    """"2026-03-18T07:00:00-05:00" → "03/18/2026" (the time as visits gave it: the branch's zone)."""
    moment = _moment(value)
    return f"{moment:%m/%d/%Y}" if moment else ""


@bp.app_template_filter("visit_time")
def visit_time(value: str | None) -> str:
    """"…T07:00:00-05:00" → "7:00am", as the seeds write it."""
    moment = _moment(value)
    return f"{moment.hour % 12 or 12}:{moment:%M}{'am' if moment.hour < 12 else 'pm'}" if moment else ""


def _moment(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


@bp.errorhandler(VisitsError)
def _refused(error: VisitsError):
    if error.status == 401:
        return clear_session_cookie(redirect("/login"))
    if error.status == 404:
        return message_page(404, "Visit not found", NO_SUCH_VISIT, link=("/visits", "Back to Visits"))
    log.warning("visits_unexpected_answer", status=error.status, code=error.code, path=request.path)
    return message_page(400, "Something went wrong", error.detail or "We could not complete that. Go back and try again.")


@bp.errorhandler(VisitsUnavailable)
def _unavailable(error: VisitsUnavailable):
    log.warning("visits_unavailable_page", path=request.path, detail=str(error))
    return message_page(503, "Temporarily unavailable", VISITS_UNAVAILABLE, headers={"Retry-After": "5"})


@bp.get("/visits")
def visit_list():
    """The list: Show (Next 30 Days, Completed) as links, "N of M", a page of rows with next/previous."""
    shell, refused = open_section("visits")
    if shell is None:
        return refused
    show = request.args.get("show") if request.args.get("show") in SHOW else "upcoming"
    page = visits().visits(show=show, page=whole_number(request.args.get("page")),
                           property_ids=shell.selected_ids or None)
    return render_template("visits.html", me=shell.me, shell=shell, show=show, shows=SHOW, page=page)


@bp.get("/visits/<uuid:visit_id>")
def visit_detail(visit_id):
    """One visit: property and address, date and time, status, services, notes shown in the portal, the
    service contact (the property's sales rep; the phone unless the branch hides it), Add to calendar."""
    shell, refused = open_section("visits")
    if shell is None:
        return refused
    visit = visits().visit(str(visit_id))
    return render_template("visit.html", me=shell.me, shell=shell, visit=visit,
                           show_phone=branch_branding().show_sales_rep_phone)


def _feed_page(shell, feed: dict, *, new_url: str | None = None):
    return render_template("visits_calendar.html", me=shell.me, shell=shell, feed=feed, new_url=new_url)


@bp.get("/visits/calendar")
def calendar_feed():
    """The calendar feed page: whether the customer has a feed address, and the buttons to make or stop one."""
    shell, refused = open_section("visits")
    if shell is None:
        return refused
    return _feed_page(shell, visits().calendar_feed())


@bp.post("/visits/calendar")
def new_calendar_feed():
    """Make a new feed address (replacing the old one) and show it, this once, to copy."""
    shell, refused = open_section("visits")
    if shell is None:
        return refused
    feed = visits().new_calendar_feed()
    branch = current_branch()
    address = (f"{current_app.config['PORTAL_SCHEME']}://{branch.get('branch_slug')}."
               f"{current_app.config['PORTAL_BASE_DOMAIN']}{feed.get('path', '')}")
    flash(FEED_MADE, "success")
    return _feed_page(shell, feed, new_url=address)


@bp.post("/visits/calendar/off")
def revoke_calendar_feed():
    shell, refused = open_section("visits")
    if shell is None:
        return refused
    visits().revoke_calendar_feed()
    flash(FEED_OFF, "success")
    return redirect("/visits/calendar", code=303)
