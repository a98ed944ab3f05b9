"""The payment sandbox answers in CardPointe's shape, with the documented test behaviours.

Flask's test client drives the real app in-process; the last test serves it on a real port and
calls it over HTTP, the way billing's adapter does.
"""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
import requests
from werkzeug.serving import make_server

from portal_payment_sandbox.app import Credentials, create_app
from portal_payment_sandbox.processor import Sandbox, expiry_passed, luhn_ok

MERCHID = "800000000800"
AUTH = ("testing", "testing123")
FUTURE = f"12{(datetime.now(UTC).year + 2) % 100:02d}"


@pytest.fixture
def sandbox():
    return Sandbox(merchid=MERCHID, timeout_seconds=0.5, ach_settle_seconds=60)


@pytest.fixture
def client(sandbox):
    client = create_app(sandbox).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = "Basic dGVzdGluZzp0ZXN0aW5nMTIz"  # testing:testing123
    return client


def charge(client, account: str, amount: str = "10.00", orderid: str = "order-1", **extra) -> dict:
    body = {"merchid": MERCHID, "account": account, "expiry": FUTURE, "amount": amount, "currency": "USD",
            "orderid": orderid, "capture": "Y", **extra}
    return client.put("/cardconnect/rest/auth", json=body).get_json()


# -- the rules underneath ------------------------------------------------------------------------

def test_luhn_and_expiry_checks():
    assert luhn_ok("4111111111111111") and luhn_ok("4788250000028291")
    assert not luhn_ok("4111111111111112") and not luhn_ok("4111")
    assert expiry_passed("0120") and expiry_passed("1399") and expiry_passed("ab12")
    assert not expiry_passed(FUTURE)


def test_a_token_is_16_digits_starting_with_9_and_never_the_card_number(sandbox):
    token = sandbox.tokenize("4111111111111111")
    assert len(token) == 16 and token.startswith("941") and token.endswith("1111")
    assert token != "4111111111111111" and sandbox.tokenize("4111111111111111") == token
    assert sandbox.detokenize(token) == "4111111111111111"


# -- the REST API ----------------------------------------------------------------------------------

def test_the_api_wants_basic_auth_and_the_merchant_id(sandbox):
    anonymous = create_app(sandbox).test_client()
    assert anonymous.put("/cardconnect/rest/auth", json={}).status_code == 401
    assert anonymous.get("/cardconnect/rest/").status_code == 200
    wrong = create_app(sandbox, Credentials("testing", "other")).test_client()
    wrong.environ_base["HTTP_AUTHORIZATION"] = "Basic dGVzdGluZzp0ZXN0aW5nMTIz"
    assert wrong.put("/cardconnect/rest/auth", json={}).status_code == 401


def test_a_wrong_merchant_id_is_refused(client):
    answer = client.put("/cardconnect/rest/auth", json={"merchid": "1", "account": "4111111111111111"}).get_json()
    assert answer["respstat"] == "C" and answer["resptext"] == "Invalid merchant"


@pytest.mark.parametrize("card", ["4111111111111111", "4788250000028291"])
def test_the_approval_cards_are_approved_and_captured(client, card):
    answer = charge(client, card, "12.34")
    assert answer["respstat"] == "A" and answer["respcode"] == "00" and answer["resptext"] == "Approval"
    assert answer["amount"] == "12.34" and len(answer["retref"]) == 12 and len(answer["authcode"]) == 6
    assert answer["token"].startswith("9") and card not in str(answer)
    [found] = client.get("/sandbox/auths?orderid=order-1").get_json()["auths"]
    assert found["retref"] == answer["retref"]


@pytest.mark.parametrize(("card", "respcode", "resptext"), [
    ("4000000000000002", "05", "Do not honor"),
    ("4000000000009995", "51", "Insufficient funds"),
    ("4000000000000069", "54", "Expired card"),
    ("4111111111111112", "11", "Invalid card"),
])
def test_the_decline_cards_are_declined_with_the_processors_words(client, card, respcode, resptext):
    answer = charge(client, card)
    assert (answer["respstat"], answer["respcode"], answer["resptext"]) == ("C", respcode, resptext)


def test_a_past_expiry_declines_any_card(client):
    answer = charge(client, "4111111111111111", expiry="0120")
    assert answer["resptext"] == "Expired card"


def test_a_token_from_the_tokenizer_can_be_charged(client):
    token = client.post("/cardsecure/api/v1/ccn/tokenize", json={"account": "4111111111111111"}).get_json()["token"]
    assert charge(client, token)["respstat"] == "A"
    assert charge(client, "9000000000000000")["resptext"] == "Invalid card"


def test_the_timeout_card_answers_late_but_is_recorded_first(client, sandbox):
    started = time.monotonic()
    answer = charge(client, "4000000000000119", orderid="slow")
    assert time.monotonic() - started >= 0.5 and answer["respstat"] == "A"
    inquiry = client.get(f"/cardconnect/rest/inquireByOrderid/slow/{MERCHID}").get_json()
    assert inquiry["retref"] == answer["retref"] and inquiry["setlstat"] == "Accepted"


def test_an_unknown_order_is_not_found(client):
    answer = client.get(f"/cardconnect/rest/inquireByOrderid/nothing/{MERCHID}").get_json()
    assert (answer["respstat"], answer["respcode"], answer["resptext"]) == ("C", "29", "Txn not found")


def test_a_charge_is_voided_once_and_a_voided_charge_cannot_be_refunded(client):
    retref = charge(client, "4111111111111111")["retref"]
    assert client.put("/cardconnect/rest/void", json={"merchid": MERCHID, "retref": retref}).get_json()["respstat"] == "A"
    again = client.put("/cardconnect/rest/void", json={"merchid": MERCHID, "retref": retref}).get_json()
    assert again["resptext"] == "Txn not voidable"
    refund = client.put("/cardconnect/rest/refund", json={"merchid": MERCHID, "retref": retref}).get_json()
    assert refund["respstat"] == "C"
    inquiry = client.get(f"/cardconnect/rest/inquireByOrderid/order-1/{MERCHID}").get_json()
    assert inquiry["setlstat"] == "Voided" and inquiry["voidable"] == "N"


def test_refunds_are_partial_or_whole_but_never_more_than_the_charge(client):
    retref = charge(client, "4111111111111111", "10.00")["retref"]
    part = client.put("/cardconnect/rest/refund", json={"merchid": MERCHID, "retref": retref,
                                                        "amount": "4.00"}).get_json()
    assert part["respstat"] == "A" and part["retref"] != retref and part["amount"] == "4.00"
    too_much = client.put("/cardconnect/rest/refund", json={"merchid": MERCHID, "retref": retref,
                                                            "amount": "6.01"}).get_json()
    assert too_much["resptext"] == "Refund exceeds amount"
    rest = client.put("/cardconnect/rest/refund", json={"merchid": MERCHID, "retref": retref, "amount": "6.00"})
    assert rest.get_json()["respstat"] == "A"


def test_an_ach_debit_is_queued_then_settled_or_returned(client, sandbox):
    settles = charge(client, "036001808/1111222233", accttype="ECHK", orderid="ach-1")
    returned = charge(client, "036001808/9999000001", accttype="ECHK", orderid="ach-2")
    assert settles["respstat"] == returned["respstat"] == "A"
    inquire = lambda o: client.get(f"/cardconnect/rest/inquireByOrderid/{o}/{MERCHID}").get_json()  # noqa: E731
    assert inquire("ach-1")["setlstat"] == "Queued for Capture"
    assert client.post(f"/sandbox/ach/{settles['retref']}/settle").get_json()["setlstat"] == "Accepted"
    assert inquire("ach-1")["setlstat"] == "Accepted"
    sandbox.ach_settle_seconds = 0  # time passes: the returned account comes back with R01
    assert (inquire("ach-2")["setlstat"], inquire("ach-2")["achreturncode"]) == ("Rejected", "R01")
    assert client.post("/sandbox/ach/nope/settle").status_code == 404


def test_an_ach_debit_can_be_returned_after_it_settled(client, sandbox):
    late = charge(client, "036001808/9999000002", accttype="ECHK", orderid="ach-late")
    inquire = lambda: client.get(f"/cardconnect/rest/inquireByOrderid/ach-late/{MERCHID}").get_json()  # noqa: E731
    assert (late["respstat"], inquire()["setlstat"]) == ("A", "Queued for Capture")
    sandbox.ach_settle_seconds = 0.2                     # one settle period: settled
    time.sleep(0.25)
    assert inquire()["setlstat"] == "Accepted" and "achreturncode" not in inquire()
    time.sleep(0.2)                                      # a second period: the bank takes it back
    assert (inquire()["setlstat"], inquire()["achreturncode"]) == ("Rejected", "R10")
    settled = charge(client, "036001808/1111222233", accttype="ECHK", orderid="ach-forced")
    client.post(f"/sandbox/ach/{settled['retref']}/settle")
    returned = client.post(f"/sandbox/ach/{settled['retref']}/return", json={"code": "R02"}).get_json()
    assert (returned["setlstat"], returned["achreturncode"]) == ("Rejected", "R02")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-1.00", "1.001", "abc"])
def test_an_amount_that_is_not_dollars_and_cents_is_a_400(client, amount):
    response = client.put("/cardconnect/rest/auth", json={
        "merchid": MERCHID, "account": "4111111111111111", "expiry": FUTURE, "amount": amount, "orderid": "o"})
    assert response.status_code == 400
    assert (response.get_json()["respstat"], response.get_json()["resptext"]) == ("C", "Invalid amount")
    first = charge(client, "4111111111111111", orderid="r")
    refund = client.put("/cardconnect/rest/refund", json={"merchid": MERCHID, "retref": first["retref"],
                                                          "amount": amount})
    assert refund.status_code == 400


@pytest.mark.parametrize("path", ["/cardconnect/rest/auth", "/cardconnect/rest/void", "/cardconnect/rest/refund",
                                  "/cardconnect/rest/profile", "/cardsecure/api/v1/ccn/tokenize"])
@pytest.mark.parametrize("body", ['["4111111111111111"]', '"text"', "NaN", "{not json"])
def test_a_body_that_is_not_a_json_object_is_a_400(client, path, body):
    response = client.put(path, data=body, content_type="application/json") if "cardsecure" not in path else \
        client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400


def test_a_stored_profile_is_created_charged_read_and_deleted(client):
    token = client.post("/cardsecure/api/v1/ccn/tokenize", json={"account": "4788250000028291"}).get_json()["token"]
    saved = client.put("/cardconnect/rest/profile", json={"merchid": MERCHID, "account": token, "expiry": FUTURE,
                                                          "name": "Camilla Ortiz"}).get_json()
    assert (saved["respstat"], saved["respcode"], saved["resptext"]) == ("A", "09", "Profile Saved")
    profile = f"{saved['profileid']}/{saved['acctid']}"
    answer = client.put("/cardconnect/rest/auth", json={"merchid": MERCHID, "profile": profile, "amount": "5.00",
                                                        "orderid": "p-1", "capture": "Y"}).get_json()
    assert answer["respstat"] == "A" and answer["token"] == token
    [read] = client.get(f"/cardconnect/rest/profile/{saved['profileid']}/{saved['acctid']}/{MERCHID}").get_json()
    assert read["name"] == "Camilla Ortiz" and read["token"] == token
    deleted = client.delete(f"/cardconnect/rest/profile/{saved['profileid']}/{saved['acctid']}/{MERCHID}")
    assert deleted.get_json()["resptext"] == "Profile Deleted"
    gone = client.get(f"/cardconnect/rest/profile/{saved['profileid']}/{saved['acctid']}/{MERCHID}").get_json()
    assert gone[0]["respstat"] == "C"


# -- the tokenizer page ------------------------------------------------------------------------------

def test_the_tokenizer_page_runs_no_inline_script_under_a_strict_csp(client):
    page = client.get("/itoke/ajax-tokenizer.html")
    csp = page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors *" in csp
    assert '<script src="ajax-tokenizer.js"' in html and "<script>" not in html and "<style>" not in html
    script = client.get("/itoke/ajax-tokenizer.js")
    assert script.status_code == 200 and "postMessage" in script.get_data(as_text=True)
    assert client.get("/itoke/ajax-tokenizer.css").status_code == 200
    assert client.get("/itoke/app.py").status_code == 404


# -- over HTTP ------------------------------------------------------------------------------------------

def test_the_served_app_answers_over_http():
    server = make_server("127.0.0.1", 0, create_app(Sandbox(merchid=MERCHID)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert requests.get(f"{base}/livez", timeout=5).json() == {"status": "alive"}
        answer = requests.put(f"{base}/cardconnect/rest/auth", auth=AUTH, timeout=5, json={
            "merchid": MERCHID, "account": "4111111111111111", "expiry": FUTURE, "amount": "1.00",
            "orderid": "http-1", "capture": "Y"}).json()
        assert answer["respstat"] == "A"
        assert requests.get(f"{base}/sandbox/auths", params={"orderid": "http-1"}, timeout=5).json()["count"] == 1
    finally:
        server.shutdown()
