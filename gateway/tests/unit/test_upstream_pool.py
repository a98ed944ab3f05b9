"""Several addresses per service, taken in turn."""
from __future__ import annotations

import socket

from portal_gateway.adapters import upstreams
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


class FakeResolver:
    """getaddrinfo for a name with several A records (Compose replicas, a headless Kubernetes Service)."""

    def __init__(self, *ips: str):
        self.ips, self.calls = list(ips), []

    def __call__(self, host, port, *args, **kwargs):
        self.calls.append((host, port))
        if not self.ips:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
                for ip in self.ips]


def test_a_dns_name_with_several_addresses_is_balanced_round_robin_over_every_replica(monkeypatch):
    resolver = FakeResolver("10.0.0.12", "10.0.0.11", "10.0.0.13", "10.0.0.11")  # a repeat, in any order
    monkeypatch.setattr(upstreams.socket, "getaddrinfo", resolver)
    p = pool("http+dns://billing:8000")
    firsts = [p.ordered()[0] for _ in range(6)]
    replicas = ["http://10.0.0.11:8000", "http://10.0.0.12:8000", "http://10.0.0.13:8000"]
    assert firsts == replicas * 2
    assert p.ordered() == replicas  # every replica once, to move on to when one refuses
    assert resolver.calls == [("billing", 8000)]  # resolved once per DNS_TTL_SECONDS, not per request


def test_a_dns_name_is_resolved_again_after_its_ttl_so_new_replicas_join_and_gone_ones_leave(monkeypatch):
    resolver = FakeResolver("10.0.0.11")
    monkeypatch.setattr(upstreams.socket, "getaddrinfo", resolver)
    clock = [1000.0]
    monkeypatch.setattr(upstreams.time, "monotonic", lambda: clock[0])
    p = pool("http+dns://billing:8000")
    assert p.ordered() == ["http://10.0.0.11:8000"]
    resolver.ips = ["10.0.0.11", "10.0.0.12", "fd00::7"]  # scaled out (an IPv6 pod too)
    assert p.ordered() == ["http://10.0.0.11:8000"]  # still within the TTL
    clock[0] += upstreams.DNS_TTL_SECONDS + 0.1
    assert sorted(p.addresses()) == ["http://10.0.0.11:8000", "http://10.0.0.12:8000", "http://[fd00::7]:8000"]
    resolver.ips = []  # the name is gone (every pod deleted): nothing to send to, not a crash
    clock[0] += upstreams.DNS_TTL_SECONDS + 0.1
    assert p.ordered() == []


def test_a_client_request_id_is_kept_only_when_it_is_a_plain_token():
    assert safe_request_id("support-123.abc:7_x") == "support-123.abc:7_x"
    for bad in (None, "", "has space", "line\nbreak", "trailing\n", "x" * 101, "semi;colon"):
        assert safe_request_id(bad) is None, repr(bad)
