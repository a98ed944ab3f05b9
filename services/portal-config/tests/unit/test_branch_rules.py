"""Domain rules of branches: subdomain slugs, reserved names, time zones and portal URLs."""
from __future__ import annotations

import pytest

from portal_config.domain.branches import (
    RESERVED_SLUGS,
    InvalidBranch,
    check_time_zone,
    normalise_slug,
    portal_url,
)


@pytest.mark.parametrize("slug", ["north", "a", "7", "demo-west", "a1-b2-c3", "x" * 63])
def test_a_valid_slug_is_kept_as_it_is(slug):
    assert normalise_slug(slug) == slug


@pytest.mark.parametrize("raw, expected", [("North", "north"), ("  demo-West \n", "demo-west")])
def test_a_slug_is_trimmed_and_lowercased(raw, expected):
    assert normalise_slug(raw) == expected


@pytest.mark.parametrize("slug", ["", "   ", "-north", "north-", "no_rth", "no.rth", "no rth", "nörth",
                                  "x" * 64, "north/west"])
def test_a_slug_that_is_not_a_valid_subdomain_label_is_refused_on_the_slug_field(slug):
    with pytest.raises(InvalidBranch) as raised:
        normalise_slug(slug)
    assert raised.value.field == "slug"
    assert "lowercase letters, digits or hyphens" in raised.value.message


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_every_reserved_slug_is_refused(slug):
    with pytest.raises(InvalidBranch, match="reserved") as raised:
        normalise_slug(slug)
    assert raised.value.field == "slug"


@pytest.mark.parametrize("slug", ["WWW", " Admin "])
def test_a_reserved_slug_cannot_sneak_in_with_capitals_or_spaces(slug):
    with pytest.raises(InvalidBranch, match="reserved"):
        normalise_slug(slug)


def test_the_platforms_own_subdomains_are_reserved():
    assert {"www", "api", "admin", "static", "mail"} <= RESERVED_SLUGS


@pytest.mark.parametrize("zone", ["America/Chicago", "Europe/Berlin", "UTC", "Pacific/Auckland"])
def test_a_known_iana_time_zone_is_accepted(zone):
    assert check_time_zone(zone) == zone


@pytest.mark.parametrize("zone", ["", "Mars/Olympus_Mons", "Central Time", "GMT+25", "America/Chicago "])
def test_an_unknown_time_zone_is_refused_on_the_time_zone_field(zone):
    with pytest.raises(InvalidBranch) as raised:
        check_time_zone(zone)
    assert raised.value.field == "time_zone"
    assert "IANA" in raised.value.message


@pytest.mark.parametrize("scheme, base_domain, expected", [
    ("http", "localhost:8080", "http://north.localhost:8080"),
    ("https", "portal.example.com", "https://north.portal.example.com"),
])
def test_a_branch_portal_lives_at_its_slug_under_the_base_domain(scheme, base_domain, expected):
    assert portal_url("north", base_domain=base_domain, scheme=scheme) == expected
