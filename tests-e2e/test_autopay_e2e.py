"""Autopay through the whole system: the back office sends an invoice due today, Camilla enrols her saved card
for the property through the gateway, and two more billing worker processes start beside the stack's own —
three `loop:autopay`s at once against the payment sandbox. The sandbox records one authorisation, the
invoice is paid, and one autopay receipt reaches the mail sink."""
from __future__ import annotations

import os
import re
import subprocess
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from portal_billing.domain.fees import convenience_fee_cents
from portal_devstack.stack import ROOT

pytestmark = pytest.mark.e2e

TOTAL = "417.23"


def platform(system, method: str, path: str, *, token: str | None = None, **kwargs) -> requests.Response:
    """A request to the bare platform host (where the integration API lives)."""
    headers = {"Host": system.host(), **({"Authorization": f"Bearer {token}"} if token else {})}
    return requests.request(method, system.gateway + path, headers=headers, timeout=10, **kwargs)


def demo_company_id(system) -> str:
    companies = system.admin("GET", "/companies").json()
    items = companies["items"] if isinstance(companies, dict) and "items" in companies else companies
    return next(c["id"] for c in items if c["name"] == "Demo Landscaping")


def http_sign_in(system, slug: str, email: str, password: str) -> requests.Session:
    """A plain HTTP client signed in through the sign-in form (CSRF cookie and token included)."""
    client = requests.Session()
    client.headers["Host"] = f"{slug}.{system.stack.base_domain}"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(system.gateway + "/login", timeout=10).text)
    assert token
    client.post(system.gateway + "/login", data={"csrf_token": token.group(1), "email": email, "password": password},
                allow_redirects=False, timeout=10)
    return client


def sandbox_auths(system) -> list[dict]:
    return requests.get(f"{system.stack.payment_sandbox}/sandbox/auths", timeout=5).json()["auths"]


def wait_until(check, timeout: float = 60, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def test_three_workers_at_once_charge_an_autopay_invoice_once_and_email_one_receipt(system):
    tenant = demo_company_id(system)
    key = platform(system, "POST", f"/api/identity/staff/operator/companies/{tenant}/api-keys",
                   token=system.stack.operator_token,
                   json={"name": "e2e autopay", "scopes": ["invoices:write"]}).json()["key"]
    today = datetime.now(UTC).date()
    invoice = {"number": "AP-1", "invoice_date": (today - timedelta(days=30)).isoformat(), "terms_days": 30,
               "property_external_id": "oasis", "opportunities": [{"number": "71", "name": "Autopay Check"}],
               "services": [{"opportunity_number": "71", "name": "Autopay Check", "total": TOTAL}],
               "total": TOTAL, "sent": True}
    put = platform(system, "PUT", "/api/billing/integration/invoices/e2e-autopay-1", token=key, json=invoice)
    assert put.status_code == 200, put.text
    assert put.json()["due_date"] == today.isoformat()
    invoice_id, property_id = put.json()["id"], put.json()["property_id"]

    camilla = http_sign_in(system, "demo", "camilla@example.com", "demo-customer-pass")
    api = system.gateway + "/api/billing"
    # A card saved as the tokenizer page does it: the sandbox tokenizes, billing keeps the token.
    token = requests.post(f"{system.stack.payment_sandbox}/cardsecure/api/v1/ccn/tokenize",
                          json={"account": "4111111111111111"}, timeout=5).json()["token"]
    saved = camilla.post(f"{api}/payment-methods", json={"kind": "card", "token": token,
                                                         "expiry": f"12{(today.year + 2) % 100:02d}"}, timeout=10)
    assert saved.status_code == 201, saved.text
    card = saved.json()
    enrolled = camilla.put(f"{api}/autopay/{property_id}", json={"payment_method_id": card["id"]}, timeout=10)
    assert enrolled.status_code == 200, enrolled.text
    assert enrolled.json()["enrolled"] is True

    before = sandbox_auths(system)
    # Two more workers of billing's (the stack's own runs too): each starts its loops at once.
    worker = next(p for p in system.stack.processes() if p.name == "billing-worker")
    extra = [subprocess.Popen(worker.command, env={**worker.env, "WORKER_HEARTBEAT_FILE": os.devnull},
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        paid = wait_until(lambda: camilla.get(f"{api}/invoices/{invoice_id}", timeout=10).json()["balance_cents"] == 0,
                          timeout=90)
        assert paid, "no worker charged the autopay invoice"
        receipts = wait_until(lambda: [m for m in system.mail()
                                       if "Autopay receipt: invoice #AP-1" in m.get("Subject", "")], timeout=60)
        time.sleep(3)       # let every worker finish its round: a second charge would show now
    finally:
        for proc in extra:
            proc.terminate()
        for proc in extra:
            proc.wait(timeout=20)

    # Leave the shared demo as it was for the files after this one: the invoice voided (gone from the
    # lists), autopay off, the card deleted.
    assert platform(system, "PUT", "/api/billing/integration/invoices/e2e-autopay-1", token=key,
                    json={**invoice, "voided": True}).status_code == 200
    assert camilla.delete(f"{api}/autopay/{property_id}", timeout=10).status_code in (200, 204)
    assert camilla.delete(f"{api}/payment-methods/{card['id']}", timeout=10).status_code in (200, 204)

    new = sandbox_auths(system)[len(before):]
    # One authorisation: the balance and the demo branch's 3 % card fee on top (domain.fees rounds it).
    fee = convenience_fee_cents(41_723, "card", Decimal("3.00"))
    assert [a["amount"] for a in new] == [f"{(41_723 + fee) / 100:.2f}"], new
    assert len([m for m in system.mail() if "Autopay receipt: invoice #AP-1" in m.get("Subject", "")]) == 1
    assert receipts and "camilla@example.com" in str(receipts[0].get("To"))


def test_camilla_downloads_a_statement_through_the_gateway_and_a_bad_range_names_its_field(system):
    camilla = http_sign_in(system, "demo", "camilla@example.com", "demo-customer-pass")
    api = system.gateway + "/api/billing"
    listed = camilla.get(f"{api}/invoices", timeout=10).json()
    property_id = next(r["property"]["id"] for r in listed if r["title"] == "Invoice #18")
    today = datetime.now(UTC).date()
    pdf = camilla.get(f"{api}/statements", params={"property_id": property_id, "from": "2024-01-01",
                                                    "to": today.isoformat()}, timeout=60)
    assert pdf.status_code == 200, pdf.text[:300]
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    too_long = camilla.get(f"{api}/statements", params={"property_id": property_id, "from": "2020-01-01",
                                                         "to": today.isoformat()}, timeout=10)
    assert too_long.status_code == 422 and "to" in too_long.json()["errors"], too_long.text
    # April (Other on Tar Valon Towers, #18's property) sees its statement; Camilla's Oasis is not hers.
    oasis = next(r["property"]["id"] for r in listed if r["title"].startswith("Invoice #6"))
    april = http_sign_in(system, "demo", "april@example.com", "demo-other-pass")
    for place, status in ((property_id, 200), (oasis, 404)):
        answer = april.get(f"{api}/statements", params={"property_id": place, "from": "2024-01-01",
                                                        "to": "2024-12-31"}, timeout=60)
        assert answer.status_code == status, answer.text[:300]
