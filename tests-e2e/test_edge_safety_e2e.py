"""Safe defaults at the edge through the running system (real gunicorn, real gateway, Chromium):
operator endpoints closed to strangers, no internal address in a redirect, no server banner, and
pages whose Content-Security-Policy the browser never has to enforce against our own markup."""
from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.e2e
BRANCH = "demo"


def test_readiness_and_metrics_need_the_operator_token_and_name_no_internal_address(system):
    for path in ("/readyz", "/metrics"):
        stranger = system.get(path)
        assert stranger.status_code == 401 and stranger.headers["Content-Type"] == "application/problem+json"
        assert "127.0.0.1" not in stranger.text
        on_a_branch = system.get(path, slug=BRANCH, headers={"Authorization": f"Bearer {system.stack.operator_token}"})
        assert on_a_branch.status_code == 404 and on_a_branch.headers["Content-Type"] == "application/problem+json"
    metrics = requests.get(system.gateway + "/metrics", headers=system.stack.operator_headers(), timeout=10)
    assert metrics.status_code == 200
    assert "portal_bus_unrouted_messages{" in metrics.text and "portal_bus_unrouted_limit_messages{" in metrics.text


@pytest.mark.parametrize("service", ["identity", "billing", "notifications"])
@pytest.mark.parametrize("endpoint", ["metrics", "readyz"])
def test_no_services_metrics_or_readiness_through_the_gateway(system, service, endpoint):
    response = system.get(f"/api/{service}/{endpoint}", slug=BRANCH)
    assert response.status_code == 404 and response.headers["Content-Type"] == "application/problem+json"


def test_a_redirect_names_the_public_host_not_an_internal_address(system):
    response = system.get("/staff", slug=BRANCH, allow_redirects=False)
    assert response.status_code in (301, 308)
    assert response.headers["Location"] == "/staff/"


def test_no_answer_names_the_server_software_and_every_answer_says_nosniff(system):
    for path, slug in (("/login", BRANCH), ("/api/billing/summary", BRANCH), ("/healthz", None),
                       ("/api/portal-config/openapi.json", BRANCH), ("/nowhere", "no-such-branch")):
        response = system.get(path, slug=slug)
        assert "Server" not in response.headers, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
    page = system.get("/login", slug=BRANCH)
    policy = page.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert page.headers["Referrer-Policy"]


def test_customer_and_staff_pages_and_the_live_preview_raise_no_csp_violation(system, browser_page):
    from playwright.sync_api import expect

    violations: list[str] = []
    browser_page.on("console", lambda msg: violations.append(msg.text)
                    if "Content Security Policy" in msg.text else None)
    base = f"http://{BRANCH}.{system.stack.base_domain}"
    browser_page.goto(base + "/login")
    browser_page.get_by_label("Email").fill("camilla@example.com")
    browser_page.get_by_label("Password", exact=True).fill("demo-customer-pass")
    browser_page.get_by_role("button", name="Sign In").click()
    browser_page.wait_for_selector(".dashboard__title")
    # The branding <style> applied under the policy: the bar is not the browser's default colour.
    assert browser_page.locator(".topbar").evaluate("el => getComputedStyle(el).backgroundColor") != "rgba(0, 0, 0, 0)"
    browser_page.goto(base + "/profile")
    browser_page.context.clear_cookies()

    browser_page.goto(base + "/staff/login")
    browser_page.get_by_label("Email").fill("admin@example.com")
    browser_page.get_by_label("Password", exact=True).fill("demo-admin-pass")
    browser_page.get_by_role("button", name="Sign In").click()
    browser_page.goto(base + "/staff/settings")
    browser_page.get_by_label("Navigation bar title").fill("Policy Check")  # the live preview (srcdoc) reloads
    expect(browser_page.frame_locator("#settings-preview").locator(".brand__title")).to_have_text("Policy Check")
    browser_page.wait_for_timeout(300)
    assert violations == []
