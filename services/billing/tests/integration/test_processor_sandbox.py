"""CardPointeProcessor against the real payment sandbox (deploy/payment-sandbox), served on a real port
in a thread: the adapter's HTTP, JSON and error mapping are exercised as in `make run`. The sandbox's
timeout card answers after 2 s; the adapter here gives up after 0.5 s.
"""
from __future__ import annotations

import uuid

import pytest
import requests

from portal_billing.adapters.processor import (
    Approved, CardPointeProcessor, Declined, Pending, ProcessorMisconfigured, ProcessorSettings, StoredProfile,
    Unknown,
)
from portal_billing.service_layer.charging import charge_card

from .payment_fixtures import (  # noqa: F401 - fixtures: the sandbox on a real port, the adapter, its tokenizer
    EXPIRY, MERCHID, processor, sandbox_url, tokenize,
)

pytestmark = pytest.mark.integration


def order() -> str:
    return f"pay-{uuid.uuid4().hex[:16]}"


def authorisations(sandbox_url: str, order_id: str) -> int:
    return requests.get(f"{sandbox_url}/sandbox/auths", params={"orderid": order_id}, timeout=5).json()["count"]


def test_an_approval_card_is_charged_and_the_processor_holds_it_under_the_order_id(processor, tokenize):
    order_id = order()
    result = processor.authorize_capture(order_id=order_id, amount_cents=12_345, token=tokenize("4111111111111111"),
                                         expiry=EXPIRY)
    assert isinstance(result, Approved) and result.amount_cents == 12_345 and len(result.retref) == 12
    found = processor.inquire(order_id)
    assert (found.retref, found.amount_cents, found.status) == (result.retref, 12_345, "approved")


@pytest.mark.parametrize(("card", "words"), [
    ("4000000000000002", "Your card was declined"),
    ("4000000000009995", "insufficient funds"),
    ("4000000000000069", "expired"),
])
def test_a_declined_card_says_why_in_plain_words(processor, tokenize, card, words):
    result = processor.authorize_capture(order_id=order(), amount_cents=500, token=tokenize(card), expiry=EXPIRY)
    assert isinstance(result, Declined) and words in result.message


def test_a_card_past_its_expiry_is_declined_as_expired(processor, tokenize):
    result = processor.authorize_capture(order_id=order(), amount_cents=500, token=tokenize("4111111111111111"),
                                         expiry="0120")
    assert isinstance(result, Declined) and "expired" in result.message and result.code == "54"


def test_a_timeout_is_unknown_and_the_inquiry_finds_the_charge_which_is_made_once(processor, tokenize, sandbox_url):
    order_id = order()
    token = tokenize("4000000000000119")
    assert isinstance(processor.authorize_capture(order_id=order_id, amount_cents=700, token=token, expiry=EXPIRY),
                      Unknown)
    found = processor.inquire(order_id)
    assert found is not None and found.status == "approved" and found.amount_cents == 700
    assert authorisations(sandbox_url, order_id) == 1


def test_charging_through_a_timeout_records_the_charge_without_charging_again(processor, tokenize, sandbox_url):
    order_id = order()
    result = charge_card(processor, order_id=order_id, amount_cents=700, token=tokenize("4000000000000119"),
                         expiry=EXPIRY)
    assert isinstance(result, Approved) and result.amount_cents == 700
    assert authorisations(sandbox_url, order_id) == 1


def test_an_order_the_processor_never_saw_is_not_found(processor):
    assert processor.inquire(order()) is None


def test_a_charge_is_voided_and_then_shows_as_voided(processor, tokenize):
    order_id = order()
    charged = processor.authorize_capture(order_id=order_id, amount_cents=900, token=tokenize("4788250000028291"),
                                          expiry=EXPIRY)
    assert isinstance(processor.void(retref=charged.retref), Approved)
    assert processor.inquire(order_id).status == "voided"
    assert isinstance(processor.void(retref=charged.retref), Declined)


def test_a_charge_is_refunded_in_part_but_never_beyond_its_amount(processor, tokenize):
    charged = processor.authorize_capture(order_id=order(), amount_cents=1000, token=tokenize("4111111111111111"),
                                          expiry=EXPIRY)
    refund = processor.refund(retref=charged.retref, amount_cents=400)
    assert isinstance(refund, Approved) and refund.retref != charged.retref and refund.amount_cents == 400
    assert isinstance(processor.refund(retref=charged.retref, amount_cents=601), Declined)


def test_an_ach_debit_is_pending_then_settles(processor, sandbox_url):
    order_id = order()
    debit = processor.ach_debit(order_id=order_id, amount_cents=25_000, routing="036001808", account="1111222233")
    assert isinstance(debit, Pending) and processor.inquire(order_id).status == "pending"
    requests.post(f"{sandbox_url}/sandbox/ach/{debit.retref}/settle", timeout=5).raise_for_status()
    assert processor.inquire(order_id).status == "settled"


def test_an_ach_debit_can_be_returned_with_r01(processor, sandbox_url):
    order_id = order()
    debit = processor.ach_debit(order_id=order_id, amount_cents=25_000, routing="036001808", account="9999000001")
    requests.post(f"{sandbox_url}/sandbox/ach/{debit.retref}/return", timeout=5).raise_for_status()
    found = processor.inquire(order_id)
    assert (found.status, found.return_code) == ("returned", "R01")


def test_a_stored_profile_is_created_charged_and_deleted(processor, tokenize):
    stored = processor.create_profile(token=tokenize("4788250000028291"), expiry=EXPIRY, name="Camilla Ortiz")
    assert isinstance(stored, StoredProfile) and stored.token.startswith("9")
    charged = processor.authorize_capture(order_id=order(), amount_cents=300,
                                          profile=f"{stored.profile_id}/{stored.account_id}")
    assert isinstance(charged, Approved)
    assert processor.delete_profile(profile_id=stored.profile_id, account_id=stored.account_id) is True
    assert processor.delete_profile(profile_id=stored.profile_id, account_id=stored.account_id) is False
    gone = processor.authorize_capture(order_id=order(), amount_cents=300,
                                       profile=f"{stored.profile_id}/{stored.account_id}")
    assert isinstance(gone, Declined)


def test_wrong_credentials_or_merchant_are_an_operators_problem_not_a_decline(sandbox_url, tokenize):
    wrong_password = CardPointeProcessor(ProcessorSettings(url=f"{sandbox_url}/cardconnect/rest",
                                                           merchant_id=MERCHID, password="nope"))
    with pytest.raises(ProcessorMisconfigured):
        wrong_password.authorize_capture(order_id=order(), amount_cents=1, token=tokenize("4111111111111111"),
                                         expiry=EXPIRY)
    wrong_merchant = CardPointeProcessor(ProcessorSettings(url=f"{sandbox_url}/cardconnect/rest", merchant_id="1"))
    with pytest.raises(ProcessorMisconfigured):
        wrong_merchant.inquire(order())


def test_an_unreachable_processor_makes_a_charge_unknown_never_retried():
    dead = CardPointeProcessor(ProcessorSettings(url="http://127.0.0.1:9/cardconnect/rest", connect_timeout=0.5))
    assert isinstance(dead.authorize_capture(order_id=order(), amount_cents=1, token="9411111111111111",
                                             expiry=EXPIRY), Unknown)
