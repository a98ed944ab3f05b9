"""Several addresses per service, taken in turn."""
from __future__ import annotations

from portal_gateway.adapters.upstreams import UpstreamPool
from portal_gateway.app import safe_request_id


def pool(*urls: str) -> UpstreamPool:
    return UpstreamPool("billing", list(urls), connect_timeout=1.0, read_timeout=1.0)


def test_each_call_starts_at_the_next_address_and_lists_every_address_once():
    p = pool("http://a", "http://b", "http://c")
    orders = [p.ordered() for _ in range(4)]
    assert orders == [
        ["http://a", "http://b", "http://c"],
        ["http://b", "http://c", "http://a"],
        ["http://c", "http://a", "http://b"],
        ["http://a", "http://b", "http://c"],
    ]


def test_a_single_address_is_always_first():
    p = pool("http://only")
    assert [p.ordered() for _ in range(3)] == [["http://only"]] * 3


def test_a_pool_without_addresses_offers_none():
    assert pool().ordered() == []


def test_a_client_request_id_is_kept_only_when_it_is_a_plain_token():
    assert safe_request_id("support-123.abc:7_x") == "support-123.abc:7_x"
    for bad in (None, "", "has space", "line\nbreak", "trailing\n", "x" * 101, "semi;colon"):
        assert safe_request_id(bad) is None, repr(bad)
