"""visits's HTTP API on a real PostgreSQL: the back office's PUT (422 naming the field, nothing half
written), the customer's Next 30 Days and Completed lists over the properties they may see, one visit
with only the notes Shown in Portal and the property's sales rep, Add to calendar (.ics) and the
private calendar feed (only what the customer may see at fetch time; stops when replaced or off)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from portal_testkit.pytest_plugin import BRANCH, OTHER_BRANCH, OTHER_TENANT, TENANT, assert_problem
from portal_visits.adapters.orm import visit_notes, visits

from .conftest import REP, ZONE

pytestmark = pytest.mark.integration

HIDDEN = "Gate code changed; ask office."
SHOWN = "Replaced two damaged pavers by the fountain."


def when(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def put(client, headers, external_id, property_key="p1", *, days=2.0, status="Scheduled", notes=(), **extra):
    body = {"property_external_id": property_key, "scheduled_for": when(days), "status": status,
            "services": ["Daily Clean"], "notes": list(notes), **extra}
    return client.put(f"/integration/visits/{external_id}", json=body, headers=headers)


@pytest.fixture
def scheduled(app_client, back_office, known):
    """P1: in 2 days (notes shown and hidden), in 29 days, in 31 days, cancelled in 3, completed 2 days ago;
    P2: tomorrow; P3 (another contact's), P4 (another branch's): in 2 days; P5 (another tenant's)."""
    h = back_office()
    notes = [{"text": SHOWN, "shown_in_portal": True}, {"text": HIDDEN, "shown_in_portal": False}]
    for external_id, key, days, status, extra in (
            ("v-soon", "p1", 2, "Scheduled", {"notes": notes}), ("v-29", "p1", 29, "Scheduled", {}),
            ("v-31", "p1", 31, "Scheduled", {}), ("v-cancelled", "p1", 3, "Cancelled", {}),
            ("v-done", "p1", -2, "Completed", {"notes": notes}), ("v-p2", "p2", 1, "Scheduled", {}),
            ("v-p3", "p3", 2, "Scheduled", {}), ("v-p4", "p4", 2, "Scheduled", {})):
        assert put(app_client, h, external_id, key, days=days, status=status, **extra).status_code == 200
    assert put(app_client, back_office(OTHER_TENANT), "v-p5", "p5").status_code == 200
    return known


def ids_of(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["id"] for r in response.get_json()]


def stored_id(db, external_id: str) -> str:
    with db.unit_of_work() as session:
        return session.scalar(sa.select(visits.c.id).where(visits.c.external_id == external_id,
                                                           visits.c.tenant_id == TENANT))


# -- the back office ---------------------------------------------------------------------------------

def test_a_put_stores_the_visit_in_utc_and_a_second_put_replaces_it_notes_included(app_client, back_office, known, db):
    h = back_office()
    first = put(app_client, h, "v-1", days=2, notes=[{"text": HIDDEN, "shown_in_portal": False}])
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert body["property_id"] == known["p1"] and body["status"] == "Scheduled"
    again = app_client.put("/integration/visits/v-1", headers=h, json={
        "property_external_id": "p1", "scheduled_for": "2027-03-18T07:00:00-05:00", "status": "Completed",
        "services": ["Daily Clean", "Mulch Install"], "notes": [{"text": SHOWN, "shown_in_portal": True}]})
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    with db.unit_of_work() as session:
        row = session.execute(sa.select(visits).where(visits.c.id == body["id"])).one()
        notes = session.execute(sa.select(visit_notes.c.text).where(visit_notes.c.visit_id == body["id"])).scalars().all()
    assert row.scheduled_for == datetime(2027, 3, 18, 12, 0, tzinfo=timezone.utc)
    assert row.status == "Completed" and row.services == ["Daily Clean", "Mulch Install"]
    assert notes == [SHOWN]


@pytest.mark.parametrize("change, field", [
    ({"scheduled_for": "2027-03-18T07:00:00"}, "scheduled_for"),     # no UTC offset: ambiguous
    ({"scheduled_for": "0001-01-01T00:00:00+05:00"}, "scheduled_for"),  # could not be shown in every zone
    ({"status": "Medium"}, "status"),
    ({"property_external_id": "nowhere"}, "property_external_id"),
    ({"notes": [{"text": "x"}]}, "notes"),
    ({"services": ["x" * 201]}, "services"),
])
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_stored(app_client, back_office, known, db, change, field):
    body = {"property_external_id": "p1", "scheduled_for": when(2), "status": "Scheduled", **change}
    problem = assert_problem(app_client.put("/integration/visits/v-bad", json=body, headers=back_office()), 422)
    assert field in str(problem)
    assert stored_id(db, "v-bad") is None


def test_a_key_without_visits_write_is_refused(app_client, back_office, known):
    assert_problem(put(app_client, back_office(scopes=("invoices:write",)), "v-1"), 403, "missing_scope")


def test_a_property_of_another_tenant_is_unknown(app_client, back_office, known):
    assert_problem(put(app_client, back_office(), "v-1", "p5"), 422)


# -- the customer's list -----------------------------------------------------------------------------

def test_next_30_days_lists_the_customers_scheduled_visits_soonest_first(app_client, as_customer, scheduled, db):
    response = app_client.get("/visits", headers=as_customer(scheduled["me"]))
    assert ids_of(response) == [stored_id(db, e) for e in ("v-p2", "v-soon", "v-29")]
    assert '"total": 3' in response.headers["X-Pagination"]
    first = response.get_json()[0]
    assert first["label"] == "UPCOMING" and first["property"]["name"] == "Property p2"
    assert first["local_time"].endswith(("-05:00", "-06:00"))         # the branch's zone, America/Chicago


def test_the_home_count_is_the_length_of_next_30_days(app_client, as_customer, scheduled):
    assert app_client.get("/summary", headers=as_customer(scheduled["me"])).get_json()["upcoming_visits"] == 3


def test_completed_lists_completed_visits(app_client, as_customer, scheduled, db):
    rows = app_client.get("/visits?show=completed", headers=as_customer(scheduled["me"]))
    assert ids_of(rows) == [stored_id(db, "v-done")]
    assert rows.get_json()[0]["label"] == "COMPLETED"


def test_the_property_filter_narrows_and_never_widens(app_client, as_customer, scheduled, db):
    w = scheduled
    narrowed = app_client.get(f"/visits?property_id={w['p2']}&property_id={w['p3']}", headers=as_customer(w["me"]))
    assert ids_of(narrowed) == [stored_id(db, "v-p2")]


def test_a_customer_of_another_branch_or_tenant_sees_only_theirs(app_client, as_customer, scheduled, db):
    w = scheduled
    assert ids_of(app_client.get("/visits", headers=as_customer(w["me"], OTHER_BRANCH))) == [stored_id(db, "v-p4")]
    assert ids_of(app_client.get("/visits", headers=as_customer(w["other"]))) == [
        stored_id(db, e) for e in ("v-soon", "v-p3", "v-29")]


def test_a_customer_with_no_property_here_has_an_empty_list(app_client, as_customer, scheduled):
    response = app_client.get("/visits", headers=as_customer(scheduled["other"], OTHER_BRANCH))
    assert ids_of(response) == [] and '"total": 0' in response.headers["X-Pagination"]


def test_the_list_needs_a_signed_in_customer(app_client, calendar_app, scheduled):
    assert_problem(app_client.get("/visits", headers=calendar_app()), 401)


# -- one visit -----------------------------------------------------------------------------------------

def test_a_visit_shows_its_services_the_notes_shown_in_portal_and_the_sales_rep(app_client, as_customer, scheduled, db):
    response = app_client.get(f"/visits/{stored_id(db, 'v-done')}", headers=as_customer(scheduled["me"]))
    assert response.status_code == 200
    visit = response.get_json()
    assert visit["services"] == ["Daily Clean"] and visit["notes"] == [SHOWN]
    assert HIDDEN not in response.get_data(as_text=True)
    assert visit["service_contact"] == {"first_name": "Morgan", "last_name": "Reyes", "title": "Sales Representative",
                                        "email": "rep@example.com", "phone": "(314) 555-0142"}


def test_another_contacts_visit_is_a_404(app_client, as_customer, scheduled, db):
    assert_problem(app_client.get(f"/visits/{stored_id(db, 'v-p3')}", headers=as_customer(scheduled["me"])), 404)
    assert_problem(app_client.get(f"/visits/{stored_id(db, 'v-p4')}/calendar.ics",
                                  headers=as_customer(scheduled["me"])), 404)


def test_an_older_staff_event_does_not_undo_a_newer_one(directory, scheduled, app_client, as_customer, db):
    directory.staff(TENANT, REP, occurred_at=(datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat(),
                    phone="(314) 555-0199")
    directory.staff(TENANT, REP, occurred_at=(datetime.now(timezone.utc) - timedelta(days=1)).isoformat(),
                    phone="(314) 555-0000")
    visit = app_client.get(f"/visits/{stored_id(db, 'v-soon')}", headers=as_customer(scheduled["me"])).get_json()
    assert visit["service_contact"]["phone"] == "(314) 555-0199"


# -- Add to calendar -----------------------------------------------------------------------------------

def test_add_to_calendar_is_an_ics_file_in_the_branchs_time_zone_without_hidden_notes(
        app_client, as_customer, scheduled, db):
    response = app_client.get(f"/visits/{stored_id(db, 'v-done')}/calendar.ics", headers=as_customer(scheduled["me"]))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    calendar = Calendar.from_ical(response.get_data())
    assert [z["TZID"] for z in calendar.walk("VTIMEZONE")] == [ZONE]
    (event,) = calendar.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == ZONE
    assert event.decoded("DTSTART").astimezone(timezone.utc) == datetime.fromisoformat(
        app_client.get(f"/visits/{stored_id(db, 'v-done')}", headers=as_customer(scheduled["me"])).get_json()[
            "scheduled_for"]).replace(microsecond=0)     # iCalendar keeps whole seconds
    assert SHOWN in str(event["DESCRIPTION"])
    assert HIDDEN not in unfolded(response.get_data(as_text=True))


# -- the calendar feed ---------------------------------------------------------------------------------

def unfolded(text: str) -> str:
    """iCalendar text with its folded lines joined again and its text escapes undone (RFC 5545 3.1, 3.3.11),
    so a search cannot miss across a fold or an escaped comma or semicolon."""
    joined = re.sub(r"\r?\n[ \t]", "", text)
    return joined.replace("\\;", ";").replace("\\,", ",").replace("\\n", "\n")


def feed_events(app_client, headers, path) -> list[str]:
    response = app_client.get(path.removeprefix("/api/visits"), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert HIDDEN not in unfolded(response.get_data(as_text=True))
    return sorted(str(e["UID"]).split("@")[0] for e in Calendar.from_ical(response.get_data()).walk("VEVENT"))


def test_the_feed_carries_the_visible_properties_visits_and_follows_access_at_fetch_time(
        app_client, as_customer, calendar_app, scheduled, grant, db):
    w = scheduled
    made = app_client.post("/calendar-feed", headers=as_customer(w["me"]))
    assert made.status_code == 201
    path = made.get_json()["path"]
    assert path.startswith("/api/visits/calendar/") and path.endswith(".ics")
    everything = [stored_id(db, e) for e in ("v-soon", "v-29", "v-31", "v-done", "v-p2")]
    assert feed_events(app_client, calendar_app(), path) == sorted(everything)
    grant(TENANT, BRANCH, w["p2"], {}, revision=2)                      # ME loses P2
    assert feed_events(app_client, calendar_app(), path) == sorted(everything[:4])


def test_a_new_feed_address_stops_the_old_one_and_turning_it_off_stops_both(
        app_client, as_customer, calendar_app, scheduled):
    me = as_customer(scheduled["me"])
    old = app_client.post("/calendar-feed", headers=me).get_json()["path"].removeprefix("/api/visits")
    new = app_client.post("/calendar-feed", headers=me).get_json()["path"].removeprefix("/api/visits")
    assert_problem(app_client.get(old, headers=calendar_app()), 404)
    assert app_client.get(new, headers=calendar_app()).status_code == 200
    assert app_client.get("/calendar-feed", headers=me).get_json()["active"] is True
    assert app_client.delete("/calendar-feed", headers=me).status_code == 204
    assert_problem(app_client.get(new, headers=calendar_app()), 404)
    assert app_client.get("/calendar-feed", headers=me).get_json() == {"active": False, "created_at": None}


def test_only_the_secrets_digest_is_stored(app_client, as_customer, scheduled, db):
    path = app_client.post("/calendar-feed", headers=as_customer(scheduled["me"])).get_json()["path"]
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    with db.unit_of_work() as session:
        stored = session.execute(sa.text("SELECT * FROM calendar_feeds")).mappings().all()
    assert secret not in str(stored) and len(stored) == 1


def test_a_feed_fetched_on_another_branchs_address_is_a_404(app_client, as_customer, calendar_app, scheduled):
    path = app_client.post("/calendar-feed", headers=as_customer(scheduled["me"])).get_json()["path"]
    assert_problem(app_client.get(path.removeprefix("/api/visits"), headers=calendar_app(OTHER_BRANCH)), 404)


def test_wrong_secrets_are_rate_limited_per_address(app_client, calendar_app, scheduled):
    ip = f"192.0.2.{datetime.now().microsecond % 250}-{datetime.now().timestamp()}"
    for n in range(20):
        assert_problem(app_client.get(f"/calendar/wrong-{n}.ics", headers=calendar_app(ip=ip)), 404)
    refused = app_client.get("/calendar/wrong-21.ics", headers=calendar_app(ip=ip))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "application/problem+json"
    # Another address is not held up by this one's misses.
    assert_problem(app_client.get("/calendar/wrong-22.ics", headers=calendar_app()), 404)
