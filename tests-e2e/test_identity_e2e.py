"""Identity through the whole system: invitations, sign-in, sessions and password flows as a
staff user and a customer do them, in a real browser and over plain HTTP."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from portal_shared.identity_token import sign_identity
from portal_testkit.testing import wait_for

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "lantern orchard 2026 gravel"
RESET_PASSWORD = "quiet river stones at dawn"


def mail_to(system, address: str, subject_part: str) -> list[dict]:
    return [m for m in system.mail()
            if any(t["Address"] == address for t in m["To"]) and subject_part.lower() in m["Subject"].lower()]


def message(system, message_id: str) -> dict:
    return requests.get(f"{system.stack.mail_api}/api/v1/message/{message_id}", timeout=5).json()


def link_in(text: str, path: str) -> str:
    found = re.search(rf"http://[^\s]+/{path}/[A-Za-z0-9_\-]+", text)
    assert found, f"no /{path}/ link in: {text}"
    return found.group(0)


def url(system, slug: str, path: str = "/") -> str:
    return f"http://{slug}.{system.stack.base_domain}{path}"


def browser_sign_in(page, system, slug: str, email: str, password: str, path: str = "/login") -> None:
    page.goto(url(system, slug, path))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()


def form_session(system, slug: str, path: str = "/login") -> tuple[requests.Session, str]:
    """A plain HTTP client holding the CSRF cookie and token of a form page."""
    client = requests.Session()
    client.headers["Host"] = f"{slug}.{system.stack.base_domain}"
    page = client.get(system.gateway + path, timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return client, token.group(1)


def http_sign_in(system, slug: str, email: str, password: str) -> requests.Session:
    client, token = form_session(system, slug)
    client.post(system.gateway + "/login", data={"csrf_token": token, "email": email, "password": password},
                allow_redirects=False, timeout=10)
    return client


def test_staff_invite_customer_accept_sign_out_forgot_reset_and_sign_in_again(system, chromium):
    from playwright.sync_api import expect

    browser = chromium
    staff = browser.new_context().new_page()
    browser_sign_in(staff, system, "demo", "admin@example.com", "demo-admin-pass", "/staff/login")
    expect(staff.get_by_role("heading", name="Contacts")).to_be_visible()
    staff.get_by_label("Select Dana Whitfield").check()
    staff.get_by_role("button", name="Send Customer Portal Invite").click()
    staff.get_by_role("button", name="Send").click()
    # Accepted at once; identity's worker sends, and the results page refreshes itself until it has.
    expect(staff.get_by_text("Invitation sent to Dana Whitfield (dana@example.com).")).to_be_visible(timeout=20_000)

    wait_for(lambda: mail_to(system, "dana@example.com", "invited"), timeout=20, message="the invitation email")
    invitation = message(system, mail_to(system, "dana@example.com", "invited")[0]["ID"])
    assert invitation["Subject"] == "Dana Whitfield, you've been invited to the Customer Portal!"
    assert invitation["From"]["Name"].startswith("Alex Admin")
    assert [r["Address"] for r in invitation["ReplyTo"]] == ["admin@example.com"]
    accept_link = link_in(invitation["Text"], "invitation")

    customer = browser.new_context().new_page()
    customer.goto(accept_link)
    customer.get_by_label("First name").fill("Dana")
    customer.get_by_label("Last name").fill("Whitfield")
    customer.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    customer.get_by_label("Confirm password").fill(NEW_PASSWORD)
    customer.get_by_role("button", name="Create Account").click()
    expect(customer.get_by_role("heading", name="Welcome, Dana")).to_be_visible()

    # The link worked once; the staff console now shows Dana as verified.
    customer.goto(accept_link)
    expect(customer.get_by_role("heading", name="Invitation no longer valid")).to_be_visible()
    staff.goto(url(system, "demo", "/staff/?q=dana"))
    expect(staff.locator("tr", has_text="dana@example.com").get_by_text("Yes")).to_be_visible()

    customer.goto(url(system, "demo"))
    customer.locator("summary.user-menu__toggle").click()
    customer.get_by_role("button", name="Sign Out").click()
    expect(customer.get_by_text("You have been signed out.")).to_be_visible()

    customer.get_by_role("link", name="Forgot Password?").click()
    customer.get_by_label("Email").fill("dana@example.com")
    customer.get_by_role("button", name="Send Reset Link").click()
    expect(customer.get_by_text("If an account exists for that email")).to_be_visible()
    wait_for(lambda: mail_to(system, "dana@example.com", "reset"), timeout=20, message="the reset email")
    reset_link = link_in(message(system, mail_to(system, "dana@example.com", "reset")[0]["ID"])["Text"],
                         "reset-password")
    customer.goto(reset_link)
    customer.get_by_label("New password", exact=True).fill(RESET_PASSWORD)
    customer.get_by_label("Confirm new password").fill(RESET_PASSWORD)
    customer.get_by_role("button", name="Change Password").click()

    browser_sign_in(customer, system, "demo", "dana@example.com", NEW_PASSWORD)
    expect(customer.get_by_text("The email or password is incorrect.")).to_be_visible()
    browser_sign_in(customer, system, "demo", "dana@example.com", RESET_PASSWORD)
    expect(customer.get_by_role("heading", name="Welcome, Dana")).to_be_visible()
    wait_for(lambda: mail_to(system, "dana@example.com", "password was changed"), timeout=20,
             message="the password-changed email")


def test_a_password_change_ends_the_other_browsers_session_on_its_next_request(system):
    first = http_sign_in(system, "demo", "april@example.com", "demo-other-pass")
    second = http_sign_in(system, "demo", "april@example.com", "demo-other-pass")
    assert "Welcome, April" in second.get(system.gateway + "/", timeout=10).text

    page = first.get(system.gateway + "/profile/password", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    changed = first.post(system.gateway + "/profile/password", allow_redirects=False, timeout=10, data={
        "csrf_token": token, "current_password": "demo-other-pass", "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD})
    assert changed.status_code in (302, 303)

    after = second.get(system.gateway + "/profile", allow_redirects=False, timeout=10)
    assert after.status_code in (302, 303) and "/login" in after.headers["Location"]
    assert "Welcome, April" not in second.get(system.gateway + "/", timeout=10).text

    # April's demo password back, for the other modules that sign her in (the stack is shared).
    again = http_sign_in(system, "demo", "april@example.com", NEW_PASSWORD)
    page = again.get(system.gateway + "/profile/password", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    restored = again.post(system.gateway + "/profile/password", allow_redirects=False, timeout=10, data={
        "csrf_token": token, "current_password": NEW_PASSWORD, "new_password": "demo-other-pass",
        "confirm_password": "demo-other-pass"})
    assert restored.status_code in (302, 303)


def test_the_same_customer_signs_in_on_every_branch_of_the_company_where_they_have_a_property(system):
    for slug in ("demo", "demo-west"):
        client = http_sign_in(system, slug, "camilla@example.com", "demo-customer-pass")
        assert "Welcome, Camilla" in client.get(system.gateway + "/", timeout=10).text


def test_another_companys_portal_never_accepts_a_customer_nor_their_session(system):
    company = system.admin("POST", "/companies", json={"name": "Rival Lawns", "contact_email": None}).json()
    slug = f"rival-{uuid.uuid4().hex[:6]}"
    system.admin("POST", f"/companies/{company['id']}/branches",
                 json={"slug": slug, "name": "Main", "time_zone": "America/Chicago"})
    wait_for(lambda: system.get("/login", slug=slug).status_code == 200, timeout=5, message="the rival portal")

    client, token = form_session(system, slug)
    refused = client.post(system.gateway + "/login", timeout=10, data={
        "csrf_token": token, "email": "camilla@example.com", "password": "demo-customer-pass"})
    assert "The email or password is incorrect." in refused.text

    # Camilla's live demo cookie, replayed on the rival host or its API, is nobody there.
    demo = http_sign_in(system, "demo", "camilla@example.com", "demo-customer-pass")
    cookie = demo.cookies.get("portal_session")
    assert cookie
    rival_host = {"Host": f"{slug}.{system.stack.base_domain}", "Cookie": f"portal_session={cookie}"}
    assert "Welcome" not in requests.get(system.gateway + "/", headers=rival_host, timeout=10).text
    assert requests.get(system.gateway + "/api/identity/customer/me", headers=rival_host, timeout=10).status_code == 401


def test_a_form_posted_without_its_csrf_token_is_refused(system):
    client, _token = form_session(system, "demo")
    response = client.post(system.gateway + "/login", timeout=10,
                           data={"email": "camilla@example.com", "password": "demo-customer-pass"})
    assert response.status_code == 400
    assert "portal_session" not in client.cookies


def test_a_client_sent_identity_header_is_ignored(system):
    snapshot = requests.get(f"http://127.0.0.1:{system.stack.port(8102)}/internal/branches", timeout=5, headers={
        "X-Portal-Identity": sign_identity({"kind": "service"}, system.stack.internal_secret)}).json()
    demo = next(b for b in snapshot if b["slug"] == "demo")
    forged = sign_identity({"kind": "request", "tenant_id": demo["company_id"], "branch_id": demo["branch_id"],
                            "account_kind": "customer", "account_id": str(uuid.uuid4()),
                            "session_tenant_id": demo["company_id"]}, "a-guessed-secret-of-enough-length!!")
    headers = {"X-Portal-Identity": forged, "X-User-Id": "camilla"}
    assert system.get("/api/identity/customer/me", slug="demo", headers=headers).status_code == 401
    assert "Welcome" not in system.get("/", slug="demo", headers=headers).text
