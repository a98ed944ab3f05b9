"""The page cache (ADR 0035) on the real Redis: a second page asks nobody, a write anywhere makes the next page
ask again. Real: Redis, the app, and HTTP doubles of identity and the services (tests/conftest.py)."""
from __future__ import annotations

import re

import pytest

from portal_shared.page_versions import PageVersions
from portal_testkit.testing import require_reachable, unique

pytestmark = pytest.mark.integration


def card(html: str, label: str) -> str:
    return re.search(rf'<span class="card__label">{label}</span>\s*<span class="card__value">([^<]+)</span>',
                     html).group(1)


@pytest.fixture
def namespace():
    return unique("pagecache")


@pytest.fixture
def cached_client(make_app, namespace):
    require_reachable()
    return make_app(PORTAL_WEB_PAGE_CACHE_SECONDS="60", SESSION_NAMESPACE=namespace).test_client()


def _asked(identity, services) -> int:
    return len(identity.called("GET", "/customer/me")) + len([c for c in services.calls if "path" not in c])


def _tenant(headers: dict[str, str]) -> str:
    from portal_shared.identity_token import HEADER, verify_identity
    return verify_identity(headers[HEADER], "portal-web-test-internal-secret-0123456789")["tenant_id"]


def test_the_next_page_asks_nobody_until_a_write_moves_the_tenants_version(cached_client, as_customer, identity,
                                                                          services, namespace):
    first = cached_client.get("/", headers=as_customer).get_data(as_text=True)
    asked = _asked(identity, services)
    assert asked == 5                                     # the account and four summaries
    again = cached_client.get("/", headers=as_customer).get_data(as_text=True)
    assert _asked(identity, services) == asked            # all from the cache
    assert card(again, "Invoices Due") == card(first, "Invoices Due")

    redis_url = require_reachable().redis_url
    PageVersions("billing", redis_url, namespace).bump(_tenant(as_customer))   # e.g. the back office's invoice
    cached_client.get("/", headers=as_customer)
    assert _asked(identity, services) == asked + 5        # stale: asked again


def test_another_tenants_write_or_another_customer_does_not_share_the_entry(cached_client, as_customer,
                                                                           portal_identity, identity, services,
                                                                           namespace):
    cached_client.get("/", headers=as_customer)
    asked = _asked(identity, services)
    PageVersions("visits", require_reachable().redis_url, namespace).bump("another-tenant")
    cached_client.get("/", headers=as_customer)
    assert _asked(identity, services) == asked            # someone else's write leaves this page cached
    cached_client.get("/", headers=portal_identity(tenant_id=_tenant(as_customer), account_kind="customer",
                                                   account_id="someone-else", session_tenant_id=_tenant(as_customer)))
    assert _asked(identity, services) > asked             # a different account never reads this entry


def test_a_card_that_could_not_be_read_is_never_kept(cached_client, as_customer, identity, services):
    services.down.add("billing")
    first = cached_client.get("/", headers=as_customer).get_data(as_text=True)
    assert "Unavailable" in first
    services.down.clear()
    asked = _asked(identity, services)
    second = cached_client.get("/", headers=as_customer).get_data(as_text=True)
    assert _asked(identity, services) == asked + 5        # asked again, and now it answers
    assert "Unavailable" not in card(second, "Invoices Due")
