"""Visits as iCalendar (RFC 5545), with the `icalendar` package: one visit for *Add to calendar*, or a
customer's feed. Times carry the branch's time zone as TZID, with its VTIMEZONE in the calendar (so
a calendar app shows 7:00am where the branch is, whatever the reader's zone). The back office sends
no duration, so an event has a start and no end (RFC 5545 3.6.1: it then ends where it starts).
Only what the customer may read goes in: the notes handed here are the ones shown in the portal."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timezone
from typing import Any

from icalendar import Calendar, Event

PRODUCT_ID = "-//Customer Portal//Visits//EN"
UID_DOMAIN = "visits.customer-portal"
# VTIMEZONE rules from this year on: enough for what a feed carries (90 days back, a year ahead).
TIMEZONE_YEARS_AHEAD = 3


def _address(prop: dict[str, Any]) -> str:
    place = ", ".join(p for p in (prop.get("city"), prop.get("state")) if p)
    return ", ".join(p for p in (prop.get("name"), prop.get("street"), f"{place} {prop.get('zip') or ''}".strip())
                     if p)


def _event(visit: dict[str, Any], *, stamp: datetime) -> Event:
    prop, contact = visit["property"], visit.get("service_contact")
    services = ", ".join(visit["services"]) or "Visit"
    event = Event()
    event.add("uid", f"{visit['id']}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", visit["local_time"])
    event.add("summary", f"{services} – {prop.get('name') or 'Visit'}")
    event.add("location", _address(prop))
    lines = [f"Services: {services}", f"Status: {visit['label']}"]
    lines += [f"Note: {text}" for text in visit.get("notes", [])]
    if contact:
        who = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
        reach = ", ".join(p for p in (contact.get("phone"), contact.get("email")) if p)
        lines.append(f"Service Contact: {who}" + (f" ({reach})" if reach else ""))
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    return event


def visits_calendar(visits: Iterable[dict[str, Any]], *, zone_name: str, name: str,
                    now: datetime | None = None) -> bytes:
    """The calendar of these visits (each as service_layer.visits reads it for a customer: `local_time` in
    the zone, the shown `notes`, the `service_contact`)."""
    now = now or datetime.now(timezone.utc)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone_name)
    for visit in visits:
        calendar.add_component(_event(visit, stamp=now))
    calendar.add_missing_timezones(first_date=date(now.year - 1, 1, 1),
                                   last_date=date(now.year + TIMEZONE_YEARS_AHEAD, 1, 1))
    return calendar.to_ical()
