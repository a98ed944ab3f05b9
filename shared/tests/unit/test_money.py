"""Money as the seeds print it, from integer cents."""
from portal_shared.money import dollars


def test_cents_read_as_dollars_with_thousands_and_two_decimals():
    assert (dollars(824_321), dollars(123_456_789), dollars(5), dollars(0), dollars(None)) == (
        "$8,243.21", "$1,234,567.89", "$0.05", "$0.00", "$0.00")


def test_a_credit_reads_negative():
    assert dollars(-1_200) == "-$12.00"
