"""The settings read model: BrandingCache (versions, defaults, checked values), the feed's snapshot
and events (against the portal-config double), and what reaches the page's <style> block."""
from __future__ import annotations

import threading
import uuid

import pytest

from portal_shared.config import BusSettings
from portal_shared.events import make_event
from portal_shared.identity_token import verify_identity
from portal_web.adapters.portal_config import PortalConfigClient, PortalConfigUnavailable
from portal_web.adapters.settings_feed import SettingsFeed
from portal_web.branding import DEFAULT_BRANDING, Branding, BrandingCache, normalise_colour, safe_url

SECRET = "portal-web-test-internal-secret-0123456789"  # the suite's (conftest.py)
BRANCH = str(uuid.uuid4())


def settings(**changes) -> dict:
    """A complete PortalSettingsV1, as the snapshot and the events carry it."""
    base = {
        "page_title": "Green Acres Customer Portal", "login_page_text": None, "login_logo_url": None,
        "display_font": "Open Sans", "input_font": "Open Sans", "background_color": "#ffffff",
        "border_color": "#d0d7de", "nav_logo_url": None, "nav_title": "Green Acres", "nav_background_color": "#1b5e20",
        "nav_font_color": "#ffffff", "button_background_color": "#2e7d32", "button_font": "Open Sans",
        "button_font_color": "#ffffff", "dashboard_text": None, "dashboard_font": "Open Sans",
        "dashboard_font_color": "#1f2a1e", "carousel": [], "show_invoices": True, "show_proposals": True,
        "show_requests": True, "show_visits": True, "proposal_window_days": None, "show_service_details": True,
        "show_sales_rep_phone": True, "electronic_payments": False, "accepted_payment_types": ["card", "ach"],
        "partial_payments": False, "card_convenience_fee_percent": "0.00",
        "invitation_subject": "[ContactName], you've been invited", "invitation_body": "[CustomerPortalLink]",
        "invitation_link_description": "Create your account",
    }
    return {**base, **changes}


# -- versions -------------------------------------------------------------------------------------

def test_a_branch_without_settings_gets_the_defaults():
    cache = BrandingCache()
    assert cache.for_branch(BRANCH) is DEFAULT_BRANDING
    assert DEFAULT_BRANDING.version == 0 and DEFAULT_BRANDING.shows("proposals")


def test_only_a_newer_version_replaces_what_the_cache_holds():
    cache = BrandingCache()
    assert cache.apply(BRANCH, 3, settings(nav_background_color="#003366"))
    assert not cache.apply(BRANCH, 2, settings(nav_background_color="#990000")), "an older copy arrived late"
    assert not cache.apply(BRANCH, 3, settings(nav_background_color="#990000")), "the same version again"
    assert cache.for_branch(BRANCH).nav_background_color == "#003366"
    assert cache.apply(BRANCH, 4, settings(nav_background_color="#990000"))
    assert cache.for_branch(BRANCH).nav_background_color == "#990000"
    assert cache.version_of(BRANCH) == 4


def test_a_snapshot_applies_each_row_by_version_and_marks_the_cache_loaded():
    cache = BrandingCache()
    other = str(uuid.uuid4())
    cache.apply(BRANCH, 5, settings(page_title="Newer"))
    assert not cache.loaded.is_set()
    applied = cache.load_snapshot([{"branch_id": BRANCH, "version": 4, "settings": settings(page_title="Older")},
                                   {"branch_id": other, "version": 1, "settings": settings(page_title="Other")}])
    assert applied == 1 and cache.loaded.is_set()
    assert cache.for_branch(BRANCH).page_title == "Newer"
    assert cache.for_branch(other).page_title == "Other"
    assert len(cache) == 2


def test_concurrent_copies_leave_the_newest():
    cache = BrandingCache()
    versions = list(range(1, 201))

    def apply(chunk):
        for v in chunk:
            cache.apply(BRANCH, v, settings(page_title=f"v{v}"))

    threads = [threading.Thread(target=apply, args=(versions[i::4][::-1],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.for_branch(BRANCH).page_title == "v200"


# -- every value checked --------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [("#AABBCC", "#aabbcc"), ("aabbcc", "#aabbcc"), ("#abc", "#aabbcc"),
                                           (" #1B5E20 ", "#1b5e20"), ("red", None), ("#abcd", None),
                                           ("#aabbcc;}</style><script>", None), (None, None)])
def test_colours_are_normalised_or_refused(raw, expected):
    assert normalise_colour(raw) == expected


@pytest.mark.parametrize("raw, expected", [("/api/portal-config/assets/1", "/api/portal-config/assets/1"),
                                           ("https://example.com/x?a=1", "https://example.com/x?a=1"),
                                           ("javascript:alert(1)", None), ("//evil.example/x", None),
                                           ("data:text/html,<b>", None), ('/x" onerror="y', None)])
def test_only_http_addresses_and_local_paths_are_used(raw, expected):
    assert safe_url(raw) == expected


def test_invalid_values_keep_the_defaults_and_nothing_unchecked_reaches_the_css():
    branding = Branding.from_settings(settings(
        nav_background_color="red; } body { display: none", button_font_color="</style><script>x</script>",
        display_font="Comic Sans</style>", dashboard_font="Georgia", background_color="#ABC",
        login_logo_url="javascript:alert(1)",
        carousel=[{"image_url": "javascript:x", "caption": "bad", "link": None},
                  {"image_url": "/api/portal-config/assets/s1", "caption": "Spring", "link": "javascript:x"}]))
    assert branding.nav_background_color == DEFAULT_BRANDING.nav_background_color
    assert branding.button_font_color == DEFAULT_BRANDING.button_font_color
    assert branding.display_font == "Open Sans" and branding.dashboard_font == "Georgia"
    assert branding.background_color == "#aabbcc"
    assert branding.login_logo_url is None
    assert [(s.image_url, s.link) for s in branding.carousel] == [("/api/portal-config/assets/s1", None)]
    css = str(branding.css())
    assert "<" not in css and ">" not in css and "display: none" not in css
    assert "--page-bg: #aabbcc;" in css
    assert '--dashboard-font: Georgia, "Times New Roman", serif;' in css


# -- the feed: snapshot and events ------------------------------------------------------------------

def feed_for(cache: BrandingCache, url: str) -> SettingsFeed:
    # Building the feed connects to nothing; only start() would.
    return SettingsFeed(cache, config=PortalConfigClient(url), bus=BusSettings(), secret=SECRET)


def test_the_snapshot_comes_from_portal_config_with_a_service_token(config):
    config.form(BRANCH)["nav_background_color"] = "#003366"
    config.versions[BRANCH] = 7
    cache = BrandingCache()
    feed_for(cache, config.url).load_snapshot()
    assert cache.loaded.is_set()
    assert cache.for_branch(BRANCH).nav_background_color == "#003366"
    assert cache.version_of(BRANCH) == 7
    [call] = config.called("GET", "/internal/settings")
    claims = verify_identity(call["headers"]["X-Portal-Identity"], SECRET)
    assert claims["kind"] == "service" and claims["sub"] == "portal-web"


def test_an_unreachable_snapshot_leaves_the_cache_not_loaded(config):
    cache = BrandingCache()
    with pytest.raises(PortalConfigUnavailable):  # the subscriber retries its whole cycle
        feed_for(cache, "http://127.0.0.1:9").load_snapshot()
    assert not cache.loaded.is_set()


def test_portal_settings_updated_events_apply_newer_versions_only():
    cache = BrandingCache()
    feed = feed_for(cache, "http://127.0.0.1:9")

    def event(version: int, colour: str):
        return make_event("portal_settings_updated", {"branch_id": BRANCH, "version": version, "updated_by": None,
                                                      "settings": settings(nav_background_color=colour)},
                          tenant_id=str(uuid.uuid4()), branch_id=BRANCH)

    feed.on_event(event(2, "#112233"))
    feed.on_event(event(1, "#445566"))  # late
    assert cache.for_branch(BRANCH).nav_background_color == "#112233"
    feed.on_event(event(3, "#778899"))
    assert cache.for_branch(BRANCH).nav_background_color == "#778899"
