"""The Visits pages (seed 002 "Viewing Visits") against the visits double: the list with Show (Next 30
Days, Completed), "N of M" and the Property Filter, rows with property, address, date, time and status;
one visit with its services, notes and service contact (the phone only where the branch shows it) and
Add to calendar; the calendar feed page (the address shown once, made anew, turned off); visits's 404
and outages as pages."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest



@pytest.fixture
def ids(services):
    """The double's visit ids: one upcoming, one completed, one that is not the customer's."""
    known = services.visit_ids
    return SimpleNamespace(soon=known["soon"], done=known["done"], not_mine=known["not mine"])


def rows(html: str) -> list[tuple[str, ...]]:
    return re.findall(r'<span class="invoice-row__title">([^<]*)</span>\s*<span class="invoice-row__property">([^<]*)'
                      r'</span>\s*<span class="visit-row__when"><strong>([^<]*)</strong> ([^<]*)</span>\s*'
                      r'<span class="status status--\w+">([^<]*)</span>', html)


def count_line(html: str) -> str:
    return re.search(r'<p class="invoices__count"[^>]*>([^<]*)</p>', html).group(1)


def form_token(html: str, action: str) -> str:
    form = re.search(rf'<form method="post" action="{action}">(.*?)</form>', html, re.S).group(1)
    return re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)


def test_next_30_days_lists_the_upcoming_visits_in_the_seeds_layout(client, as_customer, services, ids):
    html = client.get("/visits", headers=as_customer).get_data(as_text=True)
    assert rows(html) == [("Maple House", "1 Maple St • Springfield, IL 62701", "03/18/2026", "7:00am", "UPCOMING")]
    assert count_line(html) == "Next 30 Days 1 of 1"
    assert re.search(r'<a class="show-filter__link" href="/visits" aria-current="page">Next 30 Days</a>', html)
    assert f'href="/visits/{ids.soon}"' in html
    assert services.called("visits")[-1]["args"]["show"] == ["upcoming"]


def test_completed_shows_the_completed_visits(client, as_customer, services, ids):
    html = client.get("/visits?show=completed", headers=as_customer).get_data(as_text=True)
    assert rows(html) == [("Birch Lodge", "4 Birch Rd • Springfield, IL 62704", "03/02/2026", "1:30pm", "COMPLETED")]
    assert count_line(html) == "Completed 1 of 1"


def test_the_property_filter_narrows_the_visits(client, as_customer, services, ids):
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    form = re.search(r'<form class="property-filter"(.*?)</form>', home, re.S).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post("/property-filter", headers=as_customer, data={"csrf_token": token, "property_id": ["p-4"],
                                                               "next": "/visits"})
    html = client.get("/visits", headers=as_customer).get_data(as_text=True)
    assert rows(html) == [] and count_line(html) == "Next 30 Days 0 of 0"
    assert "No visits in the next 30 days for the selected properties." in html
    assert services.called("visits")[-1]["property_ids"] == ["p-4"]


def test_a_visit_shows_services_notes_the_service_contact_and_add_to_calendar(client, as_customer, services, ids):
    html = client.get(f"/visits/{ids.done}", headers=as_customer).get_data(as_text=True)
    assert re.search(r'<ul class="visit-services">\s*<li>Daily Clean</li>', html)
    assert re.search(r'<ul class="visit-notes">\s*<li>Replaced two damaged pavers by the fountain.</li>', html)
    assert "Morgan Reyes" in html and 'href="tel:(314) 555-0142"' in html and 'href="mailto:rep@example.com"' in html
    assert f'href="/api/visits/visits/{ids.done}/calendar.ics" download>Add to calendar</a>' in html
    assert "<dt>Visit Date</dt><dd><strong>03/02/2026</strong></dd>" in html


def test_the_sales_reps_phone_is_hidden_where_the_branch_hides_it(client, as_customer, services, brand, ids):
    brand(as_customer, show_sales_rep_phone=False)
    html = client.get(f"/visits/{ids.done}", headers=as_customer).get_data(as_text=True)
    assert "Morgan Reyes" in html and "555-0142" not in html


def test_another_customers_visit_is_a_404_page(client, as_customer, services, ids):
    response = client.get(f"/visits/{ids.not_mine}", headers=as_customer)
    assert response.status_code == 404 and "Visit not found" in response.get_data(as_text=True)


def test_visits_down_is_a_503_page(client, as_customer, services, ids):
    services.down.add("visits")
    response = client.get("/visits", headers=as_customer)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"


def test_the_feed_address_is_shown_once_made_anew_and_turned_off(client, as_customer, services, ids):
    page = client.get("/visits/calendar", headers=as_customer).get_data(as_text=True)
    assert "You have no calendar feed address yet." in page and 'id="feed-url"' not in page
    made = client.post("/visits/calendar", headers=as_customer,
                       data={"csrf_token": form_token(page, "/visits/calendar")}).get_data(as_text=True)
    address = re.search(r'id="feed-url" type="text" value="([^"]+)"', made).group(1)
    assert address.endswith(f"/api/visits/calendar/{services.feed}.ics") and address.startswith("http://")
    again = client.get("/visits/calendar", headers=as_customer).get_data(as_text=True)
    assert services.feed not in again and "Make a new address" in again     # never shown again
    off = client.post("/visits/calendar/off", headers=as_customer,
                      data={"csrf_token": form_token(again, "/visits/calendar/off")})
    assert off.status_code == 303 and services.feed is None


def test_the_feed_forms_need_their_csrf_token(client, as_customer, services, ids):
    assert client.post("/visits/calendar", headers=as_customer).status_code == 400
    assert services.feed is None
