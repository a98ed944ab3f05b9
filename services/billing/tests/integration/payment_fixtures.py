"""The fixtures of the payment tests: the real payment sandbox on a real port in a thread (its timeout card
answers after 2 s, the adapter gives up after 0.5 s), the app charging through it, its tokenizer, the
branch's payment settings as portal-config publishes them, and invoice #18 to pay."""
from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
import requests
import sqlalchemy as sa
from marshmallow import fields
from werkzeug.serving import make_server

from portal_billing.adapters.processor import CardPointeProcessor, ProcessorSettings
from portal_billing.entrypoints.payments_api import PROCESSOR
from portal_billing.service_layer.payment_settings import apply_portal_settings_updated
from portal_payment_sandbox.app import create_app
from portal_payment_sandbox.processor import Sandbox
from portal_shared.events import make_event
from portal_shared.events.contracts import contract_for
from portal_shared.events.portal_settings import DEFAULT_FONT
from portal_testkit.pytest_plugin import BRANCH, TENANT

MERCHID = "800000000800"
EXPIRY = f"12{(datetime.now(UTC).year + 2) % 100:02d}"
APPROVED, DECLINED, TIMEOUT = "4111111111111111", "4000000000000002", "4000000000000119"
BANK = "036001808/1111222233"                        # settles
RETURNED_BANK = "036001808/9999000001"               # returned R01 before it settles
LATE_RETURNED_BANK = "036001808/9999000002"          # settles, then returned R10


@pytest.fixture(scope="module")
def sandbox_url():
    server = make_server("127.0.0.1", 0, create_app(Sandbox(merchid=MERCHID, timeout_seconds=2,
                                                            ach_settle_seconds=3600)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def processor(sandbox_url):
    """The real adapter, pointed at the sandbox; it gives up waiting after 0.5 s."""
    return CardPointeProcessor(ProcessorSettings(url=f"{sandbox_url}/cardconnect/rest", merchant_id=MERCHID,
                                                 read_timeout=0.5, connect_timeout=2), inquiry_wait_seconds=0.1)


@pytest.fixture
def app(app_client, processor):
    """The billing app, charging through the sandbox (bootstrap wires PAYMENT_PROCESSOR_*'s processor)."""
    app_client.application.extensions[PROCESSOR] = processor
    return app_client.application


@pytest.fixture
def tokenize(sandbox_url):
    def tokenize(card: str) -> str:
        return requests.post(f"{sandbox_url}/cardsecure/api/v1/ccn/tokenize", json={"account": card},
                             timeout=5).json()["token"]
    return tokenize


def auths(sandbox_url: str, order_id: str) -> list[dict]:
    return requests.get(f"{sandbox_url}/sandbox/auths", params={"orderid": order_id}, timeout=5).json()["auths"]


@pytest.fixture
def branch_settings(db):
    """branch_settings(partial=False, fee="0.00", types=("card", "ach"), electronic=True, version=<next>,
    show_rep_phone=False): portal-config publishing the branch's settings (every other field a valid
    placeholder); True when billing kept them."""
    versions = iter(range(1, 1000))

    def publish(*, partial=False, fee="0.00", types=("card", "ach"), electronic=True, branch=BRANCH, tenant=TENANT,
                version=None, show_rep_phone=False) -> bool:
        settings = {}
        for name, field in contract_for("portal_settings_updated").fields["settings"].schema.fields.items():
            if isinstance(field, fields.Boolean):
                settings[name] = False
            elif isinstance(field, fields.List):
                settings[name] = []
            elif isinstance(field, fields.Integer):
                settings[name] = None
            elif "font" in name:
                settings[name] = DEFAULT_FONT
            else:
                settings[name] = None if field.allow_none else "#123456"
        settings.update(electronic_payments=electronic, accepted_payment_types=list(types), partial_payments=partial,
                        card_convenience_fee_percent=fee, show_sales_rep_phone=show_rep_phone)
        event = make_event("portal_settings_updated", {"branch_id": branch, "version": version or next(versions),
                                                       "updated_by": None, "settings": settings},
                           tenant_id=tenant, branch_id=branch)
        with db.unit_of_work() as session:
            return apply_portal_settings_updated(session, event)
    return publish


@pytest.fixture
def invoice(app_client, back_office, known, invoice_18, branch_settings):
    """Invoice #18 ($238.70, billed to ME on P1) as the back office PUT it; the branch takes cards and ACH."""
    branch_settings()
    response = app_client.put("/integration/invoices/inv-18", json=invoice_18, headers=back_office(TENANT))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def pay(app, customer_headers, known, tokenize):
    """pay(invoice_id, card=APPROVED, amount=None, key=<new>, who=ME, client=<new>) → the response."""
    def pay(invoice_id, *, card=APPROVED, amount=None, key=None, who=None, tenant=TENANT, client=None):
        body = {"token": tokenize(card), "expiry": EXPIRY}
        if amount is not None:
            body["amount"] = amount
        headers = {**customer_headers(tenant, BRANCH, who or known["me"]),
                   "Idempotency-Key": f'"{key or uuid.uuid4().hex}"'}
        return (client or app.test_client()).post(f"/invoices/{invoice_id}/payments", json=body, headers=headers)
    return pay


def balance(app, customer_headers, known, invoice_id) -> int:
    response = app.test_client().get(f"/invoices/{invoice_id}", headers=customer_headers(TENANT, BRANCH, known["me"]))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["balance_cents"]


def rows(db, sql, **params):
    with db.unit_of_work() as session:
        return session.execute(sa.text(sql), params).mappings().all()


def published(db, event_type: str = "payment_succeeded") -> list[dict]:
    return [r["payload"]["data"] for r in rows(db, "SELECT payload FROM outbox WHERE event_type = :t ORDER BY created_at",
                                               t=event_type)]


@pytest.fixture
def me(app, customer_headers, known, branch_settings):
    """The signed-in ME's client calls: get/post/patch/delete(path, json=None) → the response."""
    branch_settings()

    class Me:
        headers = customer_headers(TENANT, BRANCH, known["me"])

        def __getattr__(self, verb):
            def call(path, json=None, headers=None):
                return getattr(app.test_client(), verb)(path, json=json, headers=headers or self.headers)
            return call
    return Me()


@pytest.fixture
def bank_payment(me, invoice, branch_settings):
    """pay_by_bank(account=BANK, fee="3.00") → ME pays invoice #18 in full from a saved bank account."""
    def pay_by_bank(account=BANK, fee="3.00"):
        branch_settings(fee=fee)
        bank = me.post("/payment-methods", json={"kind": "ach", "account": account}).get_json()
        return me.post(f"/invoices/{invoice}/payments", json={"payment_method_id": bank["id"]},
                       headers={**me.headers, "Idempotency-Key": uuid.uuid4().hex})
    return pay_by_bank


def force(sandbox_url, payment_id, action):
    [auth] = auths(sandbox_url, payment_id)
    requests.post(f"{sandbox_url}/sandbox/ach/{auth['retref']}/{action}", timeout=5).raise_for_status()
