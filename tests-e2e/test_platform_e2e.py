"""The platform as a user and an operator see it: routing by subdomain, readiness, welcome emails."""
from __future__ import annotations

import time
import uuid

import pytest

from portal_testkit.testing import broker_stopped, wait_for

pytestmark = pytest.mark.e2e
EVERY_SERVICE = {"identity", "portal-config", "billing", "proposals", "requests", "visits", "notifications",
                 "portal-web"}


def new_company(system) -> dict:
    contact = f"owner-{uuid.uuid4().hex[:8]}@example.com"
    response = system.admin("POST", "/companies", json={"name": "Green Thumb Co", "contact_email": contact})
    assert response.status_code == 201, response.text
    return response.json()


def welcome_emails_to(system, address: str) -> list[dict]:
    return [m for m in system.mail() if any(to["Address"] == address for to in m["To"])]


def routable(system, slug: str) -> bool:
    return system.get("/", slug=slug).status_code == 200


def test_readyz_on_the_bare_host_reports_every_service_ready(system):
    response = system.readiness()
    assert response.status_code == 200
    body = response.json()
    assert set(body["services"]) == EVERY_SERVICE
    assert all(service["ready"] for service in body["services"].values())
    assert len(body["services"]["billing"]["instances"]) == 2  # billing runs as two processes


def test_a_branch_host_shows_its_company_and_branch(system):
    response = system.get("/", slug="demo")
    assert response.status_code == 200
    assert "Demo Landscaping" in response.text
    assert "St. Louis" in response.text


def test_an_unknown_host_gets_a_404_page(system):
    assert system.get("/", slug="no-such-branch").status_code == 404
    response = system.get("/", headers={"Host": "elsewhere.example.com"})
    assert response.status_code == 404


def test_a_new_branch_is_routable_within_two_seconds_and_greeted_by_exactly_one_email(system):
    company = new_company(system)
    slug = f"e2e-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    created = system.admin("POST", f"/companies/{company['id']}/branches",
                           json={"slug": slug, "name": "Riverside", "time_zone": "America/Chicago"})
    assert created.status_code == 201, created.text
    wait_for(lambda: routable(system, slug), timeout=2.0, interval=0.05, message="the new subdomain to serve")
    assert time.monotonic() - started <= 2.0
    assert "Green Thumb Co" in system.get("/", slug=slug).text

    wait_for(lambda: welcome_emails_to(system, company["contact_email"]), timeout=15, message="the welcome email")
    time.sleep(2)  # room for a duplicate to show up, if one were coming
    emails = welcome_emails_to(system, company["contact_email"])
    assert len(emails) == 1
    assert "portal is live" in emails[0]["Subject"].lower()
    assert f"http://{slug}.{system.stack.base_domain}" in system_message_text(system, emails[0]["ID"])


def system_message_text(system, message_id: str) -> str:
    import requests

    return requests.get(f"{system.stack.mail_api}/api/v1/message/{message_id}", timeout=5).json()["Text"]


def test_disabling_a_branch_shows_that_its_portal_is_not_enabled(system):
    company = new_company(system)
    slug = f"e2e-{uuid.uuid4().hex[:6]}"
    branch = system.admin("POST", f"/companies/{company['id']}/branches",
                          json={"slug": slug, "name": "Hillside", "time_zone": "America/Chicago"}).json()
    wait_for(lambda: routable(system, slug), timeout=2.0, message="the new branch")
    assert system.admin("PATCH", f"/branches/{branch['branch_id']}", json={"enabled": False}).status_code == 200
    wait_for(lambda: system.get("/", slug=slug).status_code == 403, timeout=2.0, message="the branch to close")
    assert "not enabled" in system.get("/", slug=slug).text


@pytest.mark.broker_outage
def test_a_branch_created_while_the_broker_is_down_becomes_routable_and_greeted_once_it_is_back(system):
    company = new_company(system)
    slug = f"e2e-{uuid.uuid4().hex[:6]}"
    with broker_stopped(system.stack.amqp_url):
        created = system.admin("POST", f"/companies/{company['id']}/branches",
                               json={"slug": slug, "name": "Lakeside", "time_zone": "America/Chicago"})
        assert created.status_code == 201, created.text
    wait_for(lambda: routable(system, slug), timeout=60, interval=0.25, message="the branch after the outage")
    wait_for(lambda: welcome_emails_to(system, company["contact_email"]), timeout=60, message="the welcome email")
    time.sleep(2)
    assert len(welcome_emails_to(system, company["contact_email"])) == 1
    # Everything recovered: the whole system reports ready again.
    wait_for(lambda: system.readiness().status_code == 200, timeout=60, message="readiness after the outage")


def test_the_branch_home_page_renders_in_a_real_browser(system, browser_page):
    from portal_devstack.stack import ROOT

    url = f"http://demo.{system.stack.base_domain}/"
    browser_page.goto(url)
    assert browser_page.locator("h1").inner_text() == "Demo Landscaping"
    assert browser_page.get_by_role("link", name="Sign in").is_visible()
    # The stylesheet came through the gateway and applies: the top bar wears the brand colour.
    top_bar = browser_page.locator(".topbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert top_bar == "rgb(27, 94, 32)"
    shots = ROOT / "test-artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    browser_page.screenshot(path=str(shots / "demo-home.png"), full_page=True)
