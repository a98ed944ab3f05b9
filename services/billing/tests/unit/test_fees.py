"""The card convenience fee, in cents: on card payments only, rounded half up to the cent."""
import pytest

from portal_billing.domain.fees import convenience_fee_cents


def test_the_fee_is_the_percentage_of_a_card_payment_rounded_half_up_to_the_cent():
    assert convenience_fee_cents(20_000, "card", "3.00") == 600
    assert convenience_fee_cents(3_333, "card", "2.50") == 83      # 83.325 → 83
    assert convenience_fee_cents(3_340, "card", "2.50") == 84      # 83.5 → 84 (half up)
    assert convenience_fee_cents(23_870, "card", "0") == 0


def test_an_ach_payment_never_carries_a_fee():
    assert convenience_fee_cents(20_000, "ach", "3.00") == 0


@pytest.mark.parametrize("amount, percent", [(-1, "3"), (1.5, "3"), (True, "3"), (100, "10.01"), (100, "-1"),
                                             (100, "three")])
def test_a_negative_or_fractional_amount_or_a_percentage_outside_0_to_10_is_refused(amount, percent):
    with pytest.raises(ValueError):
        convenience_fee_cents(amount, "card", percent)
