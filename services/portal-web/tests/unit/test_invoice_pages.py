"""The Invoices pages (seed 002 "Viewing Invoices", "Paying Invoices") against the billing double:
the list with Show, "N of M", pages and the Property Filter; one invoice with its details, View
Invoice and Pay Invoice only where billing says `may_pay` and there is a balance; billing's 404 and
outages as pages."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest



def filter_form_token(html: str) -> str:
    form = re.search(r'<form class="property-filter"(.*?)</form>', html, re.S).group(1)
    return re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)


@pytest.fixture
def ids(services):
    """The double's invoice ids by number (and one that is not the customer's)."""
    known = services.invoice_ids
    return SimpleNamespace(n18=known["18"], n6=known["6"], n4=known["4"], not_mine=known["not mine"])


def titles(html: str) -> list[str]:
    return re.findall(r'<span class="invoice-row__title">([^<]*)</span>', html)


def count_line(html: str) -> str:
    return re.search(r'<p class="invoices__count"[^>]*>([^<]*)</p>', html).group(1)


# -- the list ----------------------------------------------------------------------------------------

def test_the_list_shows_every_invoice_newest_first_with_balance_and_status(client, as_customer, services, ids):
    response = client.get("/invoices", headers=as_customer)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert titles(html) == ["Invoice #18", "Invoice #6: Weekly Maintenance", "Invoice #4: Annual Maintenance Agreement"]
    assert count_line(html) == "All 3 of 3"
    assert f'href="/invoices/{ids.n18}"' in html
    assert "Maple House • Springfield, IL 62701" in html
    assert '<strong>$238.70</strong>' in html
    assert html.count('class="status status--due">DUE</span>') == 2
    assert html.count('class="status status--paid">PAID</span>') == 1
    assert re.search(r'<a class="show-filter__link" href="/invoices" aria-current="page">All</a>', html)
    call = services.called("billing")[-1]
    assert call["path"] == "/billing/invoices" and call["args"]["show"] == ["all"] and call["property_ids"] == []


@pytest.mark.parametrize("show, expected, line", [
    ("due", ["Invoice #18", "Invoice #4: Annual Maintenance Agreement"], "Due 2 of 2"),
    ("paid", ["Invoice #6: Weekly Maintenance"], "Paid 1 of 1"),
    ("nonsense", ["Invoice #18", "Invoice #6: Weekly Maintenance", "Invoice #4: Annual Maintenance Agreement"],
     "All 3 of 3"),
])
def test_show_narrows_the_list_to_due_or_paid_invoices(client, as_customer, services, show, expected, line):
    html = client.get(f"/invoices?show={show}", headers=as_customer).get_data(as_text=True)
    assert titles(html) == expected and count_line(html) == line
    current = show if show in ("due", "paid") else "all"
    assert services.called("billing")[-1]["args"]["show"] == [current]


def test_the_property_filter_narrows_the_list(client, as_customer, services):
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    client.post("/property-filter", headers=as_customer, data={"csrf_token": filter_form_token(home),
                                                               "property_id": ["p-4"], "next": "/invoices"})
    html = client.get("/invoices", headers=as_customer).get_data(as_text=True)
    assert titles(html) == ["Invoice #6: Weekly Maintenance"] and count_line(html) == "All 1 of 1"
    assert services.called("billing")[-1]["property_ids"] == ["p-4"]


def test_many_invoices_come_in_pages_of_twenty_with_next_and_previous(client, as_customer, services):
    services.more_invoices.extend({**services.invoices[2], "id": f"00000000-0000-4000-8000-{n:012d}", "title": f"Invoice #{n}"}
                                  for n in range(100, 130))
    first = client.get("/invoices", headers=as_customer).get_data(as_text=True)
    assert len(titles(first)) == 20 and count_line(first) == "All 20 of 33"
    assert 'href="/invoices?page=2" rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/invoices?page=2", headers=as_customer).get_data(as_text=True)
    assert len(titles(second)) == 13 and 'href="/invoices?page=1" rel="prev"' in second and 'rel="next"' not in second
    due = client.get("/invoices?show=due&page=1", headers=as_customer).get_data(as_text=True)
    assert 'href="/invoices?show=due&amp;page=2" rel="next"' in due
    past = client.get("/invoices?page=9", headers=as_customer).get_data(as_text=True)
    assert "There are no more invoices." in past


def test_no_invoices_says_so(client, as_customer, services):
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    client.post("/property-filter", headers=as_customer, data={"csrf_token": filter_form_token(home),
                                                               "property_id": ["p-4"], "next": "/invoices"})
    html = client.get("/invoices?show=due", headers=as_customer).get_data(as_text=True)
    assert "No invoices are due for the selected properties." in html and count_line(html) == "Due 0 of 0"


def test_billing_down_is_a_page_that_says_so(client, as_customer, services, ids):
    services.down.add("billing")
    for path in ("/invoices", f"/invoices/{ids.n18}"):
        response = client.get(path, headers=as_customer)
        assert response.status_code == 503
        assert "We can&#39;t reach your invoices right now." in response.get_data(as_text=True)


def test_invoice_pages_are_for_signed_in_customers(client, anonymous, services, ids):
    for path in ("/invoices", f"/invoices/{ids.n18}"):
        response = client.get(path, headers=anonymous)
        assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not services.called("billing")


def test_invoices_switched_off_are_a_404_list_and_details(client, as_customer, brand, services, ids):
    brand(as_customer, show_invoices=False)
    for path in ("/invoices", f"/invoices/{ids.n18}"):
        assert client.get(path, headers=as_customer).status_code == 404


# -- one invoice ---------------------------------------------------------------------------------------

def test_an_invoice_shows_its_property_status_due_date_balance_services_and_proposals(client, as_customer, services, ids,
                                                                                      brand):
    brand(as_customer, electronic_payments=True)
    response = client.get(f"/invoices/{ids.n18}", headers=as_customer)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h1 class="dashboard__title">Invoice #18</h1>' in html
    assert "Maple House<br>Springfield, IL 62701" in html
    assert 'status--due">DUE</span>' in html and "Due 11/26/2024" in html
    assert '<strong class="invoice__balance">$238.70</strong>' in html
    assert "<span>Irrigation Inspection</span> <strong>$206.70</strong>" in html
    assert "<span>Total</span> <strong>$238.70</strong>" in html
    assert "Associated with:" in html and "<strong>1 Maple St</strong>" in html
    assert "Proposal #56: Irrigation Inspections" in html and "Proposal #58: Irrigation Repair" in html
    assert "April Malmba" in html
    assert f'href="/api/billing/invoices/{ids.n18}/pdf">View Invoice</a>' in html
    assert f'href="/invoices/{ids.n18}/pay">Pay Invoice</a>' in html
    assert '<a href="/invoices">Back to Invoices</a>' in html
    assert services.called("billing")[-1]["path"] == f"/billing/invoices/{ids.n18}"


def service_contact(html: str) -> str | None:
    found = re.search(r'<h2 id="service-contact-heading">Service Contact</h2>\s*<p class="proposal__contact">(.*?)</p>',
                      html, re.S)
    return None if found is None else re.sub(r"\s*<br>\s*", "<br>", found.group(1))


def test_an_invoice_shows_its_service_contact_with_the_phone_billing_gives(client, as_customer, services, ids):
    html = client.get(f"/invoices/{ids.n18}", headers=as_customer).get_data(as_text=True)
    assert 'aria-labelledby="service-contact-heading"' in html
    assert service_contact(html) == (
        'Siuan Sanche<br><span class="muted">Account Manager</span>'
        '<br>Email <a href="mailto:siuan@example.com">siuan@example.com</a>'
        '<br>Phone <a href="tel:(314)5550142">(314) 555 0142</a>')


def test_no_phone_when_billing_leaves_it_out_and_no_section_without_a_rep(client, as_customer, services, ids):
    html = client.get(f"/invoices/{ids.n6}", headers=as_customer).get_data(as_text=True)
    assert "Siuan Sanche" in service_contact(html) and "siuan@example.com" in service_contact(html)
    assert "Phone" not in service_contact(html) and "tel:" not in html
    html = client.get(f"/invoices/{ids.n4}", headers=as_customer).get_data(as_text=True)
    assert service_contact(html) is None and "Service Contact" not in html


def test_a_partly_paid_invoice_shows_its_balance_beside_its_amount(client, as_customer, services, ids):
    html = client.get(f"/invoices/{ids.n4}", headers=as_customer).get_data(as_text=True)
    assert '<strong class="invoice__balance">$50.00</strong>' in html and "<dt>Amount</dt><dd>$90.00</dd>" in html


def test_pay_invoice_only_where_the_branch_takes_electronic_payments(client, as_customer, services, ids):
    html = client.get(f"/invoices/{ids.n18}", headers=as_customer).get_data(as_text=True)
    assert "Pay Invoice" not in html and "View Invoice" in html


def test_pay_invoice_only_for_those_billing_lets_pay(client, as_customer, services, ids, brand):
    brand(as_customer, electronic_payments=True)
    services.may_pay = False
    html = client.get(f"/invoices/{ids.n18}", headers=as_customer).get_data(as_text=True)
    assert "Pay Invoice" not in html and "View Invoice" in html


def test_a_paid_invoice_has_nothing_to_pay(client, as_customer, services):
    services.more_invoices.append({**services.invoices[1], "id": "00000000-0000-4000-8000-000000000777", "may_pay": True})
    html = client.get("/invoices/00000000-0000-4000-8000-000000000777", headers=as_customer).get_data(as_text=True)
    assert 'status--paid">PAID</span>' in html and "Pay Invoice" not in html and "View Invoice" in html


@pytest.mark.parametrize("invoice_id", ["not mine", "not-a-uuid"])
def test_an_invoice_billing_does_not_show_is_the_404_page(client, as_customer, services, ids, invoice_id):
    response = client.get(f"/invoices/{ids.not_mine if invoice_id == 'not mine' else invoice_id}", headers=as_customer)
    assert response.status_code == 404
    assert "Back to Invoices" in response.get_data(as_text=True) or invoice_id == "not-a-uuid"


def test_the_invoice_id_cannot_change_billings_path(client, as_customer, services):
    assert client.get("/invoices/..%2F..%2Fsummary", headers=as_customer).status_code == 404
    assert not [c for c in services.called("billing") if c.get("path")]
