"""The demo's visits through the whole system, in headless Chromium on `demo`: visits's seed ran after
identity's, with days relative to today in the branch's time zone (America/Chicago). What issue 10 asks:
the Next 30 Days match Home's Upcoming Visits card; Completed and the Property Filter narrow the list; a
visit shows its services, the notes Shown in Portal and the service contact (the property's sales rep);
the note "Gate code changed" (not shown in portal) appears nowhere — pages, .ics files, calendar feeds;
Add to calendar downloads an .ics that `icalendar` parses back; the private feed carries only the
properties the customer may see, and stops once a new address is made or the feed is turned off."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from icalendar import Calendar

pytestmark = pytest.mark.e2e

DEMO = json.loads((Path(__file__).resolve().parents[1] / "deploy" / "demo-data.json").read_text())
ZONE = ZoneInfo("America/Chicago")
HIDDEN = "Gate code changed"
SHOWN = "Replaced two damaged pavers by the fountain."
CAMILLA = ("camilla@example.com", "demo-customer-pass")
APRIL = ("april@example.com", "demo-other-pass")      # sees Tar Valon Towers only


def expected_next_30_days(property_keys: set[str], now: datetime) -> int:
    """The demo's Scheduled visits, as the seed laid them (time of day in the branch's zone, days from
    today there), that fall after now and within 30 days."""
    today = now.astimezone(ZONE).date()
    count = 0
    for visit in DEMO["visits"]:
        if visit["status"] != "Scheduled" or visit["property"] not in property_keys:
            continue
        hour, minute = map(int, visit["time"].split(":"))
        for day in range(visit["days_from_seed"]["from"], visit["days_from_seed"]["to"] + 1):
            d = today + timedelta(days=day)
            start = datetime(d.year, d.month, d.day, hour, minute, tzinfo=ZONE)
            count += now < start <= now + timedelta(days=30)
    return count


def unfolded(text: str) -> str:
    """iCalendar text with its folded lines joined again and its text escapes undone (RFC 5545 3.1, 3.3.11),
    so a search cannot miss across a fold or an escaped comma or semicolon."""
    joined = re.sub(r"\r?\n[ \t]", "", text)
    return joined.replace("\\;", ";").replace("\\,", ",").replace("\\n", "\n")


def base(system) -> str:
    return f"http://demo.{system.stack.base_domain}"


def sign_in(page, system, who) -> None:
    page.goto(base(system) + "/login")
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password", exact=True).fill(who[1])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_selector(".dashboard__title")


def with_session(system, page) -> requests.Session:
    """A plain HTTP client with the browser's cookies, asking the gateway by Host (only Chromium resolves
    *.localhost)."""
    client = requests.Session()
    client.headers["Host"] = f"demo.{system.stack.base_domain}"
    client.cookies.update({c["name"]: c["value"] for c in page.context.cookies()})
    return client


def fetch_feed(system, address: str) -> requests.Response:
    """The feed as a calendar app fetches it: no cookie, no session."""
    path = address.split(system.stack.base_domain, 1)[1]
    return requests.get(system.gateway + path, headers={"Host": f"demo.{system.stack.base_domain}"}, timeout=30)


def make_feed(page, system) -> str:
    page.goto(base(system) + "/visits/calendar")
    page.get_by_role("button", name=re.compile(r"^Make (my feed address|a new address)$")).click()
    page.wait_for_selector("#feed-url")
    return page.locator("#feed-url").input_value()


def test_the_next_30_days_match_the_upcoming_visits_card(system, browser_page):
    page = browser_page
    sign_in(page, system, CAMILLA)
    expected = expected_next_30_days({"oasis", "towers"}, datetime.now(timezone.utc))
    assert expected >= 30       # the demo: a Daily Clean every day at Camilla's Oasis, an inspection at the Towers
    assert page.locator(".card--visits .card__value").inner_text() == str(expected)
    page.locator(".card--visits .card__link").click()
    page.wait_for_selector("h1:has-text('Visits')")
    assert page.locator("#visit-count").inner_text() == f"Next 30 Days 20 of {expected}"
    first = page.locator(".visit-row").first
    assert first.locator(".invoice-row__title").inner_text() == "Camilla's Oasis"
    assert first.locator(".invoice-row__property").inner_text() == "112 Clark St • St. Louis, Missouri 63101"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} 7:00am", first.locator(".visit-row__when").inner_text())
    assert set(page.locator(".visit-row .status").all_inner_texts()) == {"UPCOMING"}
    page.get_by_role("link", name="Next", exact=True).click()
    assert page.locator(".visit-row").count() == expected - 20


def test_completed_visits_show_services_shown_notes_and_the_service_contact_never_the_hidden_note(
        system, browser_page):
    page = browser_page
    sign_in(page, system, CAMILLA)
    page.goto(base(system) + "/visits")
    page.get_by_role("link", name="Completed", exact=True).click()
    assert page.locator("#visit-count").inner_text() == "Completed 14 of 14"
    assert set(page.locator(".visit-row .status").all_inner_texts()) == {"COMPLETED"}
    # Latest first: yesterday, then two days ago (the day of the shown note), then three (the hidden one's).
    page.locator(".visit-row .invoice-row__link").nth(1).click()
    page.wait_for_selector("h2:has-text('Visit Notes')")
    assert page.locator(".visit-notes li").all_inner_texts() == [SHOWN]
    assert page.locator(".visit-services li").all_inner_texts() == ["Daily Clean"]
    contact = page.locator("section", has=page.locator("h2", has_text="Service Contact")).inner_text()
    assert "Morgan Reyes" in contact and "Sales Representative" in contact and "rep@example.com" in contact
    # Every completed visit, its page and its .ics file: the hidden note is in none of them.
    client = with_session(system, page)
    listed = client.get(system.gateway + "/api/visits/visits?show=completed&page_size=50", timeout=10)
    assert listed.status_code == 200 and len(listed.json()) == 14
    for visit in listed.json():
        for path in (f"/visits/{visit['id']}", f"/api/visits/visits/{visit['id']}",
                     f"/api/visits/visits/{visit['id']}/calendar.ics"):
            answer = client.get(system.gateway + path, timeout=30)
            assert answer.status_code == 200 and HIDDEN not in unfolded(answer.text), path
    for path in ("/visits?show=completed", "/visits", "/"):
        assert HIDDEN not in client.get(system.gateway + path, timeout=10).text


def test_the_property_filter_narrows_the_visits_to_the_chosen_property(system, browser_page):
    page = browser_page
    sign_in(page, system, CAMILLA)
    page.goto(base(system) + "/visits")
    page.locator(".property-filter__summary").click()
    for label in page.locator(".property-filter__choices .check").all():
        label.locator("input").set_checked("Tar Valon Towers" in label.inner_text())
    page.get_by_role("button", name="Apply").click()
    page.wait_for_selector("#visit-count")
    assert page.locator("#visit-count").inner_text() == "Next 30 Days 1 of 1"
    assert page.locator(".visit-row .invoice-row__title").all_inner_texts() == ["Tar Valon Towers"]
    assert page.locator(".visit-row .visit-row__when").inner_text().endswith("9:30am")
    page.locator(".property-filter__summary").click()
    page.get_by_role("button", name="All Properties").click()


def test_add_to_calendar_downloads_an_ics_file_that_icalendar_parses_in_the_branchs_time_zone(system, browser_page):
    page = browser_page
    sign_in(page, system, CAMILLA)
    page.goto(base(system) + "/visits")
    page.locator(".visit-row .invoice-row__link").first.click()
    page.wait_for_selector("h2:has-text('Services')")
    shown_date = page.locator(".invoice__figures dd").first.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar").click()
    assert download.value.suggested_filename.endswith(".ics")
    calendar = Calendar.from_ical(Path(download.value.path()).read_bytes())
    assert [z["TZID"] for z in calendar.walk("VTIMEZONE")] == ["America/Chicago"]
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "America/Chicago"
    assert (start.hour, start.minute, f"{start:%m/%d/%Y}") == (7, 0, shown_date)
    assert "Daily Clean" in str(event["SUMMARY"]) and "112 Clark St" in str(event["LOCATION"])


def test_the_calendar_feed_shows_only_permitted_properties_and_stops_after_a_new_address(system, browser_page):
    page = browser_page
    sign_in(page, system, CAMILLA)
    camillas = make_feed(page, system)
    assert camillas.startswith(base(system) + "/api/visits/calendar/")
    feed = fetch_feed(system, camillas)
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    assert HIDDEN not in unfolded(feed.text)
    places = {str(e["LOCATION"]).split(",")[0] for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert places == {"Camilla's Oasis", "Tar Valon Towers"}
    assert SHOWN in unfolded(feed.text)

    page.context.clear_cookies()
    sign_in(page, system, APRIL)
    aprils = make_feed(page, system)
    events = Calendar.from_ical(fetch_feed(system, aprils).content).walk("VEVENT")
    assert {str(e["LOCATION"]).split(",")[0] for e in events} == {"Tar Valon Towers"}

    page.context.clear_cookies()
    sign_in(page, system, CAMILLA)
    renewed = make_feed(page, system)
    assert renewed != camillas
    assert fetch_feed(system, camillas).status_code == 404
    assert fetch_feed(system, renewed).status_code == 200
    assert fetch_feed(system, renewed.replace("/calendar/", "/calendar/x")).status_code == 404
    page.goto(base(system) + "/visits/calendar")
    page.get_by_role("button", name="Turn off the feed").click()
    page.wait_for_selector("text=Your calendar feed is turned off.")
    assert fetch_feed(system, renewed).status_code == 404
    assert fetch_feed(system, aprils).status_code == 200          # April's is her own
