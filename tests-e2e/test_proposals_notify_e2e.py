"""Decline and Request Changes through the whole system in headless Chromium (issue 9 part 6), on the demo's
West County proposal #101 (so the demo branch's #88 and #95 stay as the other files expect them): Camilla asks
for changes with a comment; the proposal shows *Changes Requested* and her comment, offers no Select & Sign,
and the rep (rep@example.com) finds her comment in the mail sink. The back office sends a new version: Pending
again. She declines it: *Declined*, and the rep is told. A last version from the back office leaves #101
Pending, as the demo has it. The back office's webhook endpoint hears both answers with their comments. The
pages have no WCAG 2.2 A/AA violation at 360 px.

The rep's email for a signature ("… signed proposal #88 and added Irrigation Audit") is checked where #88 is
signed, in test_signing_e2e.py.
"""
from __future__ import annotations

import json
import time

import pytest
import requests
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from portal_proposals.entrypoints.seed import proposal_document

pytestmark = pytest.mark.e2e
PHONE = {"width": 360, "height": 780}
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]   # as test_accessibility_e2e
CAMILLA = ("camilla@example.com", "demo-customer-pass")
REP = "rep@example.com"
SLUG = "demo-west"
CHANGES = "Could the beds use native perennials instead?\nAnd one visit, not two."
DECLINE = "We have decided to wait until next year."
HOOK_PATH = "/hooks/e2e-proposals-notify"


def base(system) -> str:
    return f"http://{SLUG}.{system.stack.base_domain}"


def violations(page) -> list[str]:
    found = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    return [f"{v['id']}: {v['help']} — {[n['target'] for n in v['nodes']][:3]}" for v in found.response["violations"]]


def sign_in(chromium, system, who, **context):
    page = chromium.new_context(**context).new_page()
    page.goto(base(system) + "/login")
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password", exact=True).fill(who[1])
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_selector(".dashboard__title")
    return page


def open_proposal(page, system, number: str) -> str:
    page.goto(base(system) + "/proposals")
    page.locator(".proposal-row__link", has_text=f"Proposal #{number}:").click()
    page.wait_for_selector(f"h1:has-text('Proposal #{number}')")
    return page.url.rsplit("/", 1)[1]


def status(page) -> str:
    return page.locator(".invoice__status .status").inner_text()


def mail_to(system, address: str, subject: str, timeout: float = 45) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in system.mail():
            if any(t.get("Address") == address for t in message.get("To") or []) and message.get("Subject") == subject:
                return requests.get(f"{system.stack.mail_api}/api/v1/message/{message['ID']}", timeout=5).json()
        time.sleep(0.5)
    raise AssertionError(f"no email {subject!r} to {address}: {[m.get('Subject') for m in system.mail()]}")


@pytest.fixture(scope="module")
def back_office(system):
    """put(document): the back office's PUT of #101 through the gateway, with a proposals:write key."""
    companies = system.admin("GET", "/companies").json()
    items = companies["items"] if isinstance(companies, dict) and "items" in companies else companies
    tenant = next(c["id"] for c in items if c["name"] == "Demo Landscaping")
    platform = {"Host": system.host()}
    issued = requests.post(f"{system.gateway}/api/identity/staff/operator/companies/{tenant}/api-keys", timeout=10,
                           headers={**platform, "Authorization": f"Bearer {system.stack.operator_token}"},
                           json={"name": "e2e proposals", "scopes": ["proposals:write"]})
    assert issued.status_code == 201, issued.text
    key = issued.json()["key"]
    hooks_key = requests.post(f"{system.gateway}/api/identity/staff/operator/companies/{tenant}/api-keys", timeout=10,
                              headers={**platform, "Authorization": f"Bearer {system.stack.operator_token}"},
                              json={"name": "e2e proposal hooks", "scopes": ["webhooks:manage"]}).json()["key"]
    hooked = requests.post(f"{system.gateway}/api/notifications/integration/webhooks/endpoints", timeout=10,
                           headers={**platform, "Authorization": f"Bearer {hooks_key}"},
                           json={"url": system.stack.webhook_receiver + HOOK_PATH,
                                 "event_types": ["proposal_declined", "proposal_changes_requested"]})
    assert hooked.status_code == 201, hooked.text

    def put(document: dict) -> dict:
        stored = requests.put(f"{system.gateway}/api/proposals/integration/proposals/demo:proposal:101",
                              headers={**platform, "Authorization": f"Bearer {key}"}, json=document, timeout=10)
        assert stored.status_code == 200, stored.text
        return stored.json()
    return put


def version_of_101(visits: int) -> dict:
    """#101 as the demo seeds it, with another number of visits: another document, so the next version."""
    demo = json.loads((__import__("pathlib").Path(__file__).parents[1] / "deploy" / "demo-data.json").read_text())
    document = proposal_document(demo, next(p for p in demo["proposals"] if p["number"] == 101))
    document["services"][0]["visits"] = visits
    return document


def answer(page, link: str, label: str, comment: str) -> None:
    page.locator(".proposal__actions").get_by_role("link", name=link, exact=True).click()
    page.wait_for_selector(f"h1:has-text('{link}')")
    page.get_by_label(label).fill(comment)
    page.get_by_role("button", name=link, exact=True).click()
    page.wait_for_selector("h1:has-text('Proposal #101')")


def test_camilla_asks_for_changes_then_declines_the_new_version_and_the_rep_hears_each(chromium, system, back_office):
    page = sign_in(chromium, system, CAMILLA, viewport=PHONE, has_touch=True, is_mobile=True)
    proposal_id = open_proposal(page, system, "101")
    assert status(page) == "PENDING"
    actions = page.locator(".proposal__actions").get_by_role("link").all_inner_texts()
    assert actions == ["View Proposal", "Select & Sign", "Request Changes", "Decline"]

    # An empty comment is refused on the form, which says why.
    page.locator(".proposal__actions").get_by_role("link", name="Request Changes").click()
    page.wait_for_selector("h1:has-text('Request Changes')")
    assert violations(page) == []
    page.get_by_role("button", name="Request Changes").click()
    assert "Tell us why, in a few words." in page.locator(".field__errors").inner_text()
    assert violations(page) == []

    page.get_by_label("What would you like changed?").fill(CHANGES)
    page.get_by_role("button", name="Request Changes").click()
    page.wait_for_selector("h1:has-text('Proposal #101')")
    assert status(page) == "CHANGES REQUESTED"
    assert page.locator(".proposal__comment").inner_text() == CHANGES
    assert page.locator(".proposal__actions").get_by_role("link").all_inner_texts() == ["View Proposal"]
    assert violations(page) == []
    page.goto(f"{base(system)}/proposals/{proposal_id}/sign")
    assert "can no longer be signed" in page.content()

    asked = mail_to(system, REP, "Camilla Sailor asked for changes to proposal #101")
    assert CHANGES in asked["Text"].replace("\r\n", "\n")   # the mail transport's line ends
    assert "Status in the portal: Changes Requested" in asked["Text"]

    # The back office answers with a new version: Pending again, Select & Sign offered again.
    assert back_office(version_of_101(3))["new_version"] is True
    open_proposal(page, system, "101")
    assert status(page) == "PENDING" and page.locator(".proposal__response").count() == 0
    assert page.get_by_role("link", name="Select & Sign").count() == 1

    answer(page, "Decline", "Why are you declining this proposal?", DECLINE)
    assert status(page) == "DECLINED" and page.locator(".proposal__comment").inner_text() == DECLINE
    declined = mail_to(system, REP, "Camilla Sailor declined proposal #101")
    assert DECLINE in declined["Text"]

    # Leave #101 as the demo has it: Pending (another version from the back office).
    assert back_office(version_of_101(2))["new_version"] is True
    open_proposal(page, system, "101")
    assert status(page) == "PENDING"

    # The back office heard both answers by webhook, with the comments.
    deadline, comments = time.monotonic() + 40, []
    while time.monotonic() < deadline and len(comments) < 2:
        arrivals = requests.get(system.stack.webhook_receiver + "/api/arrivals", timeout=5).json()
        comments = sorted(json.loads(a["body"])["data"]["comment"] for a in arrivals if a["path"] == HOOK_PATH)
        time.sleep(0.3)
    assert comments == sorted([CHANGES, DECLINE])


def test_each_answer_reached_the_outbox_once_and_the_trail(system):
    engine = sa.create_engine(system.stack.database_url("proposals"))
    try:
        with engine.connect() as connection:
            events = connection.execute(sa.text(
                "SELECT event_type, payload FROM outbox WHERE event_type IN "
                "('proposal_declined', 'proposal_changes_requested') ORDER BY event_type")).all()
            kinds = connection.execute(sa.text(
                "SELECT e.kind FROM proposal_audit_events e JOIN proposals p ON p.id = e.proposal_id "
                "WHERE p.number = '101' AND e.kind IN ('declined', 'changes_requested') ORDER BY e.id")).scalars().all()
    finally:
        engine.dispose()
    assert [(t, p["data"]["number"], p["data"]["version"]) for t, p in events] == [
        ("proposal_changes_requested", "101", 1), ("proposal_declined", "101", 2)]
    assert kinds == ["changes_requested", "declined"]
