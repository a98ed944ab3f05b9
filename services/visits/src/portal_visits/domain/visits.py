"""The rules of visits, with no I/O: what the Show filter and Home count, what a customer may read
of a visit, and how a time stored in UTC reads in the branch's time zone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SCHEDULED, COMPLETED, CANCELLED = "Scheduled", "Completed", "Cancelled"
# Seed 002: customers review Completed visits or Upcoming ones "for the next 30 days"; Home's
# Upcoming Visits card counts the same window.
UPCOMING_WINDOW = timedelta(days=30)
SHOW = {"upcoming": "Next 30 Days", "completed": "Completed"}
# The label a customer reads on a row; a cancelled visit is in neither list.
STATUS_LABELS = {SCHEDULED: "UPCOMING", COMPLETED: "COMPLETED", CANCELLED: "CANCELLED"}


def upcoming_window(now: datetime) -> tuple[datetime, datetime]:
    """(from, to]: a Scheduled visit counts as upcoming when now < scheduled_for <= now + 30 days."""
    return now, now + UPCOMING_WINDOW


def branch_zone(name: str | None) -> ZoneInfo:
    """The branch's IANA time zone (the gateway names it in its token); UTC when unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored time (UTC) as the branch's wall clock shows it."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone)


def wall_clock(day_offset: int, time_of_day: str, zone: ZoneInfo, *, today) -> datetime:
    """`time_of_day` ("07:00") on the day `day_offset` days from `today`, in the zone, as UTC
    (the demo's visits are given so)."""
    hour, minute = (int(part) for part in time_of_day.split(":"))
    day = today + timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(timezone.utc)
