"""The Proposals pages (seed 002 "The Proposals Section", seed 003 "Proposals Screen", "Proposal Details
Screen") against the proposals double: the list with Show, "N of M" and the Property Filter; one proposal
with its services (or one lump sum), optional services, total, Service Contact, Associated with and View
Proposal; proposals' 404 and outages as pages."""
from __future__ import annotations

import re

import pytest

from .test_invoice_pages import filter_form_token


def titles(html: str) -> list[str]:
    return re.findall(r'<span class="invoice-row__title proposal-row__title">([^<]*)</span>', html)


def count_line(html: str) -> str:
    return re.search(r'<p class="invoices__count proposals__count"[^>]*>([^<]*)</p>', html).group(1)


def test_the_list_shows_every_proposal_with_property_price_sent_date_and_status(client, as_customer, services):
    response = client.get("/proposals", headers=as_customer)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(html) == ["Proposal #88: Major Landscaping Project 2024", "Proposal #15: Weekly Maintenance",
                            "Proposal #91: Snow Removal"]
    assert count_line(html) == "All 3 of 3"
    assert f'href="/proposals/{services.proposal_ids["88"]}"' in html
    assert "<strong>$44,579.33</strong> <span" in html and "Sent 03/18/2025" in html
    assert 'class="status status--pending">PENDING</span>' in html
    assert 'class="status status--accepted">ACCEPTED</span>' in html
    assert 'class="status status--rejected">REJECTED</span>' in html
    assert re.search(r'<a class="show-filter__link" href="/proposals\?show=rejected">Rejected</a>', html)
    call = services.called("proposals")[-1]
    assert call["path"] == "/proposals/proposals" and call["args"]["show"] == ["all"]


@pytest.mark.parametrize("show, expected, line", [
    ("pending", ["Proposal #88: Major Landscaping Project 2024"], "Pending 1 of 1"),
    ("accepted", ["Proposal #15: Weekly Maintenance"], "Accepted 1 of 1"),
    ("rejected", ["Proposal #91: Snow Removal"], "Rejected 1 of 1"),
    ("signed", ["Proposal #88: Major Landscaping Project 2024", "Proposal #15: Weekly Maintenance",
                "Proposal #91: Snow Removal"], "All 3 of 3"),
])
def test_show_narrows_the_list(client, as_customer, services, show, expected, line):
    html = client.get(f"/proposals?show={show}", headers=as_customer).get_data(as_text=True)
    assert titles(html) == expected and count_line(html) == line


def test_the_property_filter_narrows_the_list(client, as_customer, services):
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    client.post("/property-filter", headers=as_customer, data={"csrf_token": filter_form_token(home),
                                                               "property_id": ["p-4"], "next": "/proposals"})
    html = client.get("/proposals", headers=as_customer).get_data(as_text=True)
    assert titles(html) == ["Proposal #15: Weekly Maintenance"] and count_line(html) == "All 1 of 1"
    assert services.called("proposals")[-1]["property_ids"] == ["p-4"]


def test_a_proposal_shows_what_the_seeds_show(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    html = client.get(f"/proposals/{proposal_id}", headers=as_customer).get_data(as_text=True)
    assert '<h1 class="dashboard__title">Proposal #88: Major Landscaping Project 2024</h1>' in html
    assert "Maple House<br>Springfield, IL 62701" in html
    assert 'status--pending">PENDING</span>' in html and "Sent 03/18/2025" in html
    assert '<strong class="invoice__balance proposal__price">$44,579.33</strong>' in html
    assert re.search(r'Mulch Install</span> <span class="muted">1 Visit</span></span> <strong>\$40,749.60</strong>', html)
    assert "Optional Services" in html and "2 Visits" in html and "$350.00" in html
    assert '<strong class="proposal__total">$44,579.33</strong>' in html
    assert "Service Contact" in html and "Morgan Reyes" in html and "mailto:rep@example.com" in html
    assert "(314) 555-0142" in html
    assert "Associated with:" in html and "Invoice #18" in html
    assert f'href="/api/proposals/proposals/{proposal_id}/pdf">View Proposal</a>' in html
    assert '<a href="/proposals">Back to Proposals</a>' in html


def test_the_lump_sum_shows_one_services_line(client, as_customer, services):
    services.lump_sum = True
    html = client.get(f"/proposals/{services.proposal_ids['88']}", headers=as_customer).get_data(as_text=True)
    assert "Mulch Install" not in html
    assert '<span class="proposal-services__name">Services</span> <strong>$44,579.33</strong>' in html


@pytest.mark.parametrize("which", ["not mine", "not-a-uuid"])
def test_a_proposal_the_service_does_not_show_is_the_404_page(client, as_customer, services, which):
    path = services.proposal_ids["not mine"] if which == "not mine" else which
    response = client.get(f"/proposals/{path}", headers=as_customer)
    assert response.status_code == 404
    assert "Back to Proposals" in response.get_data(as_text=True) or which == "not-a-uuid"


def test_proposals_down_is_a_page_that_says_so(client, as_customer, services):
    services.down.add("proposals")
    for path in ("/proposals", f"/proposals/{services.proposal_ids['88']}"):
        response = client.get(path, headers=as_customer)
        assert response.status_code == 503
        assert "We can&#39;t reach your proposals right now." in response.get_data(as_text=True)


def test_proposal_pages_are_for_signed_in_customers_and_follow_the_branchs_switch(client, anonymous, as_customer,
                                                                                   brand, services):
    for path in ("/proposals", f"/proposals/{services.proposal_ids['88']}"):
        response = client.get(path, headers=anonymous)
        assert response.status_code == 302 and response.headers["Location"] == "/login"
    brand(as_customer, show_proposals=False)
    for path in ("/proposals", f"/proposals/{services.proposal_ids['88']}"):
        assert client.get(path, headers=as_customer).status_code == 404
