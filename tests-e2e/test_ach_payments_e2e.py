"""An ACH payment through the whole system: Camilla pays invoice #18 from a bank account through the
gateway; billing's web process debits it at the payment sandbox (a real process), the invoice shows
*Pending* until the bank is done; the sandbox returns the debit (R01) and billing's worker process
(`loop:payments`) finds the return, re-opens the balance, and notifications emails her.

The demo branch takes cards only, so the test lets it take ACH for its duration (as staff would in the
portal's settings) and puts everything back: the settings, the saved bank account; the return itself
leaves invoice #18's balance as the demo has it."""
from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e

RETURNED_BANK = "036001808/9999000001"     # the sandbox returns debits from this account with R01


def http_sign_in(system, slug: str, email: str, password: str) -> requests.Session:
    """A plain HTTP client signed in through the sign-in form (CSRF cookie and token included)."""
    client = requests.Session()
    client.headers["Host"] = f"{slug}.{system.stack.base_domain}"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(system.gateway + "/login", timeout=10).text)
    assert token
    client.post(system.gateway + "/login", data={"csrf_token": token.group(1), "email": email, "password": password},
                allow_redirects=False, timeout=10)
    return client


def eventually(check, timeout: float = 90, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(every)


@pytest.fixture
def demo_takes_ach(system):
    company = system.admin("GET", "/companies").json()[0]["id"]
    [branch] = [b for b in system.admin("GET", f"/companies/{company}/branches").json() if b["slug"] == "demo"]
    path = f"/branches/{branch['branch_id']}/settings"
    before = system.admin("GET", path).json()["settings"]["accepted_payment_types"]
    saved = system.admin("PUT", path, json={"accepted_payment_types": ["card", "ach"]})
    assert saved.status_code == 200, saved.text
    yield
    assert system.admin("PUT", path, json={"accepted_payment_types": before}).status_code == 200


def test_an_ach_payment_is_pending_until_its_bank_returns_it_then_the_balance_reopens_and_she_is_emailed(
        system, demo_takes_ach):
    camilla = http_sign_in(system, "demo", "camilla@example.com", "demo-customer-pass")
    api = f"{system.gateway}/api/billing"

    def save_bank_account():   # 422 until billing has heard of the new settings (an event away)
        answer = camilla.post(f"{api}/payment-methods", json={"kind": "ach", "account": RETURNED_BANK}, timeout=10)
        return answer.json() if answer.status_code == 201 else None

    bank = eventually(save_bank_account, timeout=30)
    assert bank, "billing never took ACH on demo"
    try:
        [eighteen] = [i for i in camilla.get(f"{api}/invoices", timeout=10).json() if i["number"] == "18"]
        paid = camilla.post(f"{api}/invoices/{eighteen['id']}/payments", json={"payment_method_id": bank["id"]},
                            headers={"Idempotency-Key": uuid.uuid4().hex}, timeout=60)
        assert paid.status_code == 202, paid.text
        assert (paid.json()["status"], paid.json()["fee_cents"]) == ("pending", 0)
        shown = camilla.get(f"{api}/invoices/{eighteen['id']}", timeout=10).json()
        assert (shown["status"], shown["balance_cents"], shown["pending_cents"]) == ("Pending", 0, 23_870)

        [auth] = requests.get(f"{system.stack.payment_sandbox}/sandbox/auths",
                              params={"orderid": paid.json()["id"]}, timeout=5).json()["auths"]
        assert auth["amount"] == "238.70"
        requests.post(f"{system.stack.payment_sandbox}/sandbox/ach/{auth['retref']}/return",
                      timeout=5).raise_for_status()

        def reopened():
            invoice = camilla.get(f"{api}/invoices/{eighteen['id']}", timeout=10).json()
            return invoice if invoice["status"] == "Due" else None

        invoice = eventually(reopened)                                      # the worker asks every 30 s
        assert invoice and invoice["balance_cents"] == 23_870

        def emailed():
            return [m for m in system.mail() if any(t["Address"] == "camilla@example.com" for t in m["To"])
                    and m["Subject"] == "Your bank returned your payment: Invoice #18 open again"]

        assert len(eventually(emailed, timeout=60)) == 1
    finally:
        assert camilla.delete(f"{api}/payment-methods/{bank['id']}", timeout=10).status_code == 204
