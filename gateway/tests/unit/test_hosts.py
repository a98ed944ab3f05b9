"""Which portal a Host names, and which service a path belongs to."""
from __future__ import annotations

import pytest

from portal_gateway.config import DEFAULT_UPSTREAMS
from portal_gateway.routing.hosts import BARE, BRANCH, UNKNOWN, HostMatch, resolve_host, split_service_path

BASE = "localhost:8080"


def test_the_bare_platform_host_is_the_bare_host():
    assert resolve_host("localhost:8080", BASE) == HostMatch(BARE)


def test_a_single_label_under_the_base_domain_is_that_branch_slug():
    assert resolve_host("demo.localhost:8080", BASE) == HostMatch(BRANCH, "demo")


def test_host_matching_ignores_case_in_the_host_and_the_base_domain():
    assert resolve_host("DeMo.LocalHost:8080", BASE) == HostMatch(BRANCH, "demo")
    assert resolve_host("demo.localhost:8080", "LOCALHOST:8080") == HostMatch(BRANCH, "demo")


@pytest.mark.parametrize("host", [
    "a.demo.localhost:8080",   # nested subdomain
    "demo.example.com",        # another domain
    "demo.example.com:8080",   # another domain, same port
    "demolocalhost:8080",      # a look-alike that is not a subdomain
    "evil.com.localhost:9090",
    ".localhost:8080",         # an empty slug
    "",
])
def test_a_host_that_is_not_ours_or_not_one_label_deep_is_unknown(host):
    assert resolve_host(host, BASE) == HostMatch(UNKNOWN)


@pytest.mark.parametrize("host", ["demo.localhost:9090", "localhost:9090", "demo.localhost", "localhost"])
def test_a_host_on_another_port_is_unknown(host):
    assert resolve_host(host, BASE).kind == UNKNOWN


def test_an_api_path_naming_a_service_goes_to_that_service_without_the_prefix():
    assert split_service_path("api/billing/invoices/7", DEFAULT_UPSTREAMS) == ("billing", "/invoices/7")
    assert split_service_path("api/billing", DEFAULT_UPSTREAMS) == ("billing", "/")


def test_an_api_path_naming_no_known_service_goes_to_portal_web_unchanged():
    assert split_service_path("api/unknown/x", DEFAULT_UPSTREAMS) == ("portal-web", "/api/unknown/x")


def test_portal_web_is_never_addressed_through_the_api_prefix():
    assert split_service_path("api/portal-web/x", DEFAULT_UPSTREAMS) == ("portal-web", "/api/portal-web/x")


@pytest.mark.parametrize("path", ["", "anything", "invoices/api/billing", "apis/billing/x"])
def test_every_other_path_goes_to_portal_web_as_it_is(path):
    assert split_service_path(path, DEFAULT_UPSTREAMS) == ("portal-web", "/" + path)
