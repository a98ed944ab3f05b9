"""The rules of saved payment methods: "Routing Number/Account Number" with the ABA checksum, a card's
brand from its token, and when an MMYY expiry has passed."""
from __future__ import annotations

from datetime import date

import pytest

from portal_billing.domain.payment_methods import card_brand, expired, parse_bank_account, routing_checksum_ok


@pytest.mark.parametrize("routing", ["036001808", "011000015", "121000358", "021000021"])
def test_real_routing_numbers_pass_the_aba_checksum(routing):
    assert routing_checksum_ok(routing)


@pytest.mark.parametrize("routing", ["036001809", "123456789", "00000000", "0360018080", "03600180a"])
def test_a_mistyped_routing_number_fails_it(routing):
    assert not routing_checksum_ok(routing)


def test_a_bank_account_is_split_at_its_single_slash():
    assert parse_bank_account(" 036001808/1111222233 ") == ("036001808", "1111222233")


@pytest.mark.parametrize("raw", ["036001808", "036001808/", "/1111222233", "036001808//1111222233",
                                 "036001808/1111/2222", "036001808 / 1111222233", "036001808/123456789012345678"])
def test_anything_but_digits_and_one_slash_is_refused(raw):
    with pytest.raises(ValueError):
        parse_bank_account(raw)


@pytest.mark.parametrize(("token", "brand"), [("9411234567891111", "Visa"), ("9541234567894444", "Mastercard"),
                                              ("9371234567890005", "American Express"),
                                              ("9601234567890004", "Discover"), ("9991234567890000", "Card")])
def test_the_brand_is_read_from_the_tokens_first_digits(token, brand):
    assert card_brand(token) == brand


def test_a_card_is_good_through_the_last_day_of_its_expiry_month():
    assert not expired("1126", date(2026, 11, 30))
    assert expired("1026", date(2026, 11, 1))
    assert not expired("0127", date(2026, 11, 30))
    assert expired("1326", date(2026, 11, 30))        # not a month: unusable
