"""visits's pure rules and the demo's visit documents: the branch's wall clock to UTC and back, the
Next 30 Days window, and the seed's days relative to today (no I/O)."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

from portal_visits.domain.visits import UPCOMING_WINDOW, branch_zone, in_zone, upcoming_window, wall_clock
from portal_visits.entrypoints.schemas import VisitUpsert
from portal_visits.entrypoints.seed import visit_documents

DEMO = json.loads((Path(__file__).resolve().parents[4] / "deploy" / "demo-data.json").read_text())
CHICAGO = branch_zone("America/Chicago")


def test_a_wall_clock_time_in_the_branchs_zone_is_stored_in_utc_across_daylight_saving():
    assert wall_clock(0, "07:00", CHICAGO, today=date(2026, 1, 15)) == datetime(2026, 1, 15, 13, 0, tzinfo=timezone.utc)
    assert wall_clock(1, "07:00", CHICAGO, today=date(2026, 7, 14)) == datetime(2026, 7, 15, 12, 0, tzinfo=timezone.utc)


def test_a_stored_time_reads_in_the_branchs_zone():
    shown = in_zone(datetime(2026, 3, 18, 12, 0, tzinfo=timezone.utc), CHICAGO)
    assert (shown.hour, shown.minute, shown.utcoffset().total_seconds()) == (7, 0, -5 * 3600)


def test_an_unknown_zone_reads_as_utc():
    assert branch_zone("Mars/Olympus").key == "UTC" and branch_zone(None).key == "UTC"


def test_next_30_days_is_after_now_and_up_to_30_days_ahead():
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert upcoming_window(now) == (now, now + UPCOMING_WINDOW) and UPCOMING_WINDOW.days == 30


def test_the_demo_visits_are_one_a_day_relative_to_today_with_notes_on_their_day():
    documents = dict(visit_documents(DEMO, today=date(2026, 3, 17)))
    assert len(documents) == 45 + 14 + 1
    first = documents["demo:visit:oasis:daily-clean:1"]
    assert first["scheduled_for"] == "2026-03-18T12:00:00+00:00"          # 7:00am in St. Louis (CDT)
    assert documents["demo:visit:oasis:daily-clean:-2"]["notes"] == [
        {"text": "Replaced two damaged pavers by the fountain.", "shown_in_portal": True}]
    assert documents["demo:visit:oasis:daily-clean:-3"]["notes"] == [
        {"text": "Gate code changed; ask office.", "shown_in_portal": False}]
    assert documents["demo:visit:towers:irrigation-inspection:12"]["status"] == "Scheduled"
    for document in documents.values():
        VisitUpsert().load(document)            # each as the back office would PUT it
