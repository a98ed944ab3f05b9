"""The demo's invoices through the whole system: billing's seed ran after identity's, so Camilla's Home on
`demo` shows the demo's expected Current Balance ($238.70, invoice #18; the unapplied $50.00 credit counts
for nothing) and 1 invoice due, and her invoices answer through the gateway with her session."""
from __future__ import annotations

import re

import pytest
import requests

pytestmark = pytest.mark.e2e


def http_sign_in(system, slug: str, email: str, password: str) -> requests.Session:
    """A plain HTTP client signed in through the sign-in form (CSRF cookie and token included)."""
    client = requests.Session()
    client.headers["Host"] = f"{slug}.{system.stack.base_domain}"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(system.gateway + "/login", timeout=10).text)
    assert token
    client.post(system.gateway + "/login", data={"csrf_token": token.group(1), "email": email, "password": password},
                allow_redirects=False, timeout=10)
    return client


def test_home_on_demo_shows_the_seeded_current_balance_and_invoices_due(system):
    client = http_sign_in(system, "demo", "camilla@example.com", "demo-customer-pass")
    home = client.get(system.gateway + "/", timeout=10).text
    assert re.search(r'class="balance__value">\s*\$238\.70\s*<', home), home[:2000]
    assert re.search(r'card--invoices.*?class="card__value">\s*1\s*<', home, re.S), home[:2000]


def test_the_customers_invoices_answer_through_the_gateway_newest_first(system):
    client = http_sign_in(system, "demo", "camilla@example.com", "demo-customer-pass")
    listed = client.get(system.gateway + "/api/billing/invoices", timeout=10)
    assert listed.status_code == 200, listed.text
    assert [(r["title"], r["status"]) for r in listed.json()] == [
        ("Invoice #6: Weekly Maintenance", "Paid"), ("Invoice #18", "Due"),
        ("Invoice #4: Annual Maintenance Agreement", "Paid")]
    eighteen = client.get(f"{system.gateway}/api/billing/invoices/{listed.json()[1]['id']}", timeout=10).json()
    assert (eighteen["balance_cents"], eighteen["due_date"], eighteen["may_pay"]) == (23_870, "2024-11-27", True)
