"""Charging with inquiry on timeout, over the FakeProcessor: nothing is charged twice or lost."""
from __future__ import annotations

import pytest

from portal_billing.adapters.processor import Approved, Declined, FakeProcessor
from portal_billing.service_layer.charging import NOT_CHARGED, Unresolved, charge_card, resolve_unknown_charge

TOKEN, EXPIRY = "9411111111111111", "1230"


def test_an_answered_approval_is_returned_without_an_inquiry():
    processor = FakeProcessor()
    result = charge_card(processor, order_id="pay-1", amount_cents=1234, token=TOKEN, expiry=EXPIRY)
    assert isinstance(result, Approved) and result.amount_cents == 1234
    assert processor.calls == [("authorize_capture", "pay-1")]


def test_a_decline_carries_the_processors_reason_in_plain_words():
    processor = FakeProcessor(declines={TOKEN: "51"})
    result = charge_card(processor, order_id="pay-1", amount_cents=1234, token=TOKEN, expiry=EXPIRY)
    assert isinstance(result, Declined) and "insufficient funds" in result.message and result.code == "51"


def test_a_timeout_whose_charge_went_through_is_kept_found_by_inquiry_and_not_charged_again():
    processor = FakeProcessor(unknown=[True])
    result = charge_card(processor, order_id="pay-1", amount_cents=1234, token=TOKEN, expiry=EXPIRY)
    assert isinstance(result, Approved) and result.retref == processor.transactions["pay-1"].retref
    assert [op for op, _ in processor.calls] == ["authorize_capture", "inquire"]


def test_a_lost_answer_not_found_at_once_is_held_not_released_and_only_a_late_inquiry_calls_it_uncharged():
    # A dropped connection answers at once while the charge may still be on its way: releasing the hold
    # then would let the customer pay again and be charged twice.
    processor = FakeProcessor(unknown=[False])
    result = charge_card(processor, order_id="pay-1", amount_cents=1234, token=TOKEN, expiry=EXPIRY)
    assert isinstance(result, Unresolved)
    assert [op for op, _ in processor.calls] == ["authorize_capture", "inquire"]
    late = resolve_unknown_charge(processor, order_id="pay-1", amount_cents=1234)  # the worker, past arrival
    assert isinstance(late, Declined) and late.message == NOT_CHARGED and late.code == "not_found"


def test_a_timeout_whose_charge_was_declined_is_not_charged():
    processor = FakeProcessor(declines={TOKEN: "05"}, unknown=[True])
    result = charge_card(processor, order_id="pay-1", amount_cents=1234, token=TOKEN, expiry=EXPIRY)
    assert isinstance(result, Declined) and result.code == "declined"


def test_a_charge_of_another_amount_under_the_order_id_is_voided():
    processor = FakeProcessor()
    processor.authorize_capture(order_id="pay-1", amount_cents=999, token=TOKEN, expiry=EXPIRY)
    processor.unknown.append(False)
    result = charge_card(processor, order_id="pay-1", amount_cents=1234, token=TOKEN, expiry=EXPIRY)
    assert isinstance(result, Declined) and result.code == "voided_after_inquiry"
    assert processor.transactions["pay-1"].status == "voided"


def test_when_the_inquiry_fails_too_the_charge_stays_unresolved_and_is_never_sent_again():
    processor = FakeProcessor(unknown=[True], inquiry_failures=1)
    result = charge_card(processor, order_id="pay-1", amount_cents=1234, token=TOKEN, expiry=EXPIRY)
    assert isinstance(result, Unresolved) and result.order_id == "pay-1"
    assert [op for op, _ in processor.calls].count("authorize_capture") == 1


def test_a_charge_needs_a_positive_amount():
    with pytest.raises(ValueError):
        charge_card(FakeProcessor(), order_id="pay-1", amount_cents=0, token=TOKEN, expiry=EXPIRY)


# -- ACH debits -------------------------------------------------------------------------------------

def test_an_ach_debit_is_pending_then_settled_or_returned_as_the_bank_says():
    from portal_billing.adapters.processor import FakeProcessor, Pending
    from portal_billing.service_layer.charging import Returned, debit_bank_account, inquire_debit

    processor = FakeProcessor()
    assert isinstance(debit_bank_account(processor, order_id="a1", amount_cents=500, token="9031234"), Pending)
    assert isinstance(inquire_debit(processor, order_id="a1", amount_cents=500), Pending)
    processor.settle_ach("a1")
    settled = inquire_debit(processor, order_id="a1", amount_cents=500)
    assert settled.__class__.__name__ == "Approved" and settled.amount_cents == 500
    debit_bank_account(processor, order_id="a2", amount_cents=500, token="9031234")
    processor.settle_ach("a2", return_code="R01")
    returned = inquire_debit(processor, order_id="a2", amount_cents=500)
    assert isinstance(returned, Returned) and returned.return_code == "R01"


def test_an_ach_inquiry_that_cannot_answer_or_finds_another_amount_is_unresolved():
    from portal_billing.adapters.processor import FakeProcessor
    from portal_billing.service_layer.charging import Unresolved, debit_bank_account, inquire_debit

    processor = FakeProcessor()
    debit_bank_account(processor, order_id="a3", amount_cents=500, token="9031234")
    assert isinstance(inquire_debit(processor, order_id="a3", amount_cents=600), Unresolved)
    processor.inquiry_failures = 5
    assert isinstance(inquire_debit(processor, order_id="a3", amount_cents=500), Unresolved)
    assert inquire_debit(FakeProcessor(), order_id="never", amount_cents=500).__class__.__name__ == "Declined"


def test_refused_credentials_on_the_charge_say_nothing_was_charged_but_on_an_inquiry_keep_the_hold():
    from portal_billing.adapters.processor import ProcessorMisconfigured

    class Refusing(FakeProcessor):
        refuse_charges = True

        def authorize_capture(self, **kwargs):
            if self.refuse_charges:
                raise ProcessorMisconfigured("401")
            return super().authorize_capture(**kwargs)

        def inquire(self, order_id):
            raise ProcessorMisconfigured("401")

    processor = Refusing()
    with pytest.raises(ProcessorMisconfigured):                   # the caller answers 503: nothing was sent
        charge_card(processor, order_id="o1", amount_cents=500, token=TOKEN, expiry=EXPIRY)
    processor.refuse_charges, processor.unknown = False, [True]   # charged, answer lost, then credentials refused
    result = charge_card(processor, order_id="o2", amount_cents=500, token=TOKEN, expiry=EXPIRY)
    assert isinstance(result, Unresolved)                         # held: the charge may well have been made
