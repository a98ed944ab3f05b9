"""Requests through the whole system, in headless Chromium on the demo (issue 10, Requests' done-when lines):
Camilla creates a request on Tar Valon Towers with two photos (added one by one); the account owner's and the
operations manager's emails reach the mail sink; the back office claims the request and replies through the
integration API: the public reply appears under the request (and emails Camilla), the private one does not;
she comments with an attachment; April, another contact of the property, opens and comments on the same
request. An executable renamed .jpg, an SVG, a sixth file and an 11 MB file are each refused with a message
naming the file, and nothing is stored."""
from __future__ import annotations

import io
import json
import re

import pytest
import requests
from PIL import Image

from portal_testkit.testing import wait_for

pytestmark = pytest.mark.e2e
SLUG = "demo"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"PE\x00\x00"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


def photo(colour, size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def url(system, path: str) -> str:
    return f"http://{SLUG}.{system.stack.base_domain}{path}"


def sign_in(browser, system, email: str, password: str):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(url(system, "/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_selector(".dashboard__title")
    return page


def mail_to(system, address: str, subject_part: str) -> list[dict]:
    return [m for m in system.mail()
            if any(t["Address"] == address for t in m["To"]) and subject_part.lower() in m["Subject"].lower()]


def cookies_of(page) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}


def fetch(system, page, path: str) -> requests.Response:
    """A link of the page, followed with the browser's session (ask the gateway by Host)."""
    return requests.get(system.gateway + path, headers={"Host": f"{SLUG}.{system.stack.base_domain}"},
                        cookies=cookies_of(page), timeout=30)


def back_office_key(system, scopes=("requests:write",)) -> str:
    companies = system.admin("GET", "/companies").json()
    items = companies["items"] if isinstance(companies, dict) and "items" in companies else companies
    tenant = next(c["id"] for c in items if c["name"] == "Demo Landscaping")
    issued = requests.post(f"{system.gateway}/api/identity/staff/operator/companies/{tenant}/api-keys",
                           headers={"Host": system.host(), "Authorization": f"Bearer {system.stack.operator_token}"},
                           json={"name": "e2e requests", "scopes": list(scopes)}, timeout=10)
    assert issued.status_code == 201, issued.text
    return issued.json()["key"]


HOOK_PATH = "/hooks/e2e-requests"


def listen_for_requests(system) -> None:
    """A webhook endpoint of the demo company for requests' events, on the dev webhook receiver."""
    key = back_office_key(system, ("webhooks:manage",))
    created = requests.post(f"{system.gateway}/api/notifications/integration/webhooks/endpoints", timeout=10,
                            headers={"Host": system.host(), "Authorization": f"Bearer {key}"},
                            json={"url": system.stack.webhook_receiver + HOOK_PATH,
                                  "event_types": ["request_created", "request_commented"]})
    assert created.status_code == 201, created.text


def webhooks_about(system, request_id: str) -> list[str]:
    arrivals = requests.get(system.stack.webhook_receiver + "/api/arrivals", timeout=5).json()
    bodies = [json.loads(a["body"]) for a in arrivals if a["path"] == HOOK_PATH]
    return [b["type"] for b in bodies if b["data"].get("request_id") == request_id]


def put_issue(system, key: str, external_id: str, doc: dict) -> requests.Response:
    return requests.put(f"{system.gateway}/api/requests/integration/requests/{external_id}", json=doc, timeout=30,
                        headers={"Host": system.host(), "Authorization": f"Bearer {key}"})


def test_the_demo_issues_are_listed_and_only_the_ones_shown_to_the_client(system, browser):
    page = sign_in(browser, system, "camilla@example.com", "demo-customer-pass")
    page.goto(url(system, "/requests"))
    titles = page.locator(".invoice-row__title").all_inner_texts()
    assert "12: Broken sprinkler head near entrance" in titles
    assert not any(t.startswith("10:") for t in titles)          # "Crew parking complaint": not Include Client
    page.get_by_role("link", name="Closed", exact=True).click()
    assert page.locator(".invoice-row__title").all_inner_texts() == ["9: Mulch color question"]
    page.goto(url(system, "/requests"))
    page.locator(".invoice-row", has_text="12: Broken sprinkler head").get_by_role("link").click()
    page.wait_for_selector("h1:has-text('12: Broken sprinkler head near entrance')")
    comments = page.locator(".request-comment").all_inner_texts()
    assert any("Crew is scheduled for Thursday." in c for c in comments)
    assert not any("warranty" in c for c in comments)              # the private comment


def test_camilla_creates_a_request_the_staff_hear_of_it_and_a_public_reply_reaches_her(system, browser, tmp_path):
    first, second = tmp_path / "IMG_0001.jpg", tmp_path / "IMG_0002.jpg"
    first.write_bytes(photo((30, 120, 40)))
    second.write_bytes(photo((120, 40, 30)))
    listen_for_requests(system)
    camilla = sign_in(browser, system, "camilla@example.com", "demo-customer-pass")
    camilla.goto(url(system, "/"))
    pending_before = int(camilla.locator(".card--requests .card__value").inner_text())

    camilla.goto(url(system, "/requests"))
    camilla.get_by_role("link", name="Add New Request").click()
    camilla.get_by_label("Associated Property").select_option(label="Tar Valon Towers – 515 Warnock")
    camilla.get_by_label("Subject").fill("Dead shrubs by the pool")
    camilla.get_by_label("Priority").select_option("High")
    # Added one by one: the second pick adds to the first instead of replacing it; one is removed and added again.
    camilla.get_by_label("Attachments").set_input_files(str(first))
    camilla.get_by_label("Attachments").set_input_files(str(second))
    assert camilla.locator(".attachments__name").all_inner_texts() == ["IMG_0001.jpg", "IMG_0002.jpg"]
    camilla.get_by_role("button", name="Remove IMG_0001.jpg").click()
    assert camilla.locator(".attachments__name").all_inner_texts() == ["IMG_0002.jpg"]
    camilla.get_by_label("Attachments").set_input_files(str(first))
    camilla.get_by_label("Description").fill("Three shrubs died after the frost.")
    camilla.get_by_role("button", name="Submit Request").click()
    camilla.wait_for_selector("h1:has-text('Dead shrubs by the pool')")
    request_id = re.search(r"/requests/([0-9a-f-]{36})", camilla.url).group(1)
    heading = camilla.locator("h1").inner_text()
    number = heading.split(":")[0]
    assert "Tar Valon Towers" in camilla.locator(".invoice__property").inner_text()
    assert "515 Warnock" in camilla.locator(".invoice__property").inner_text()
    thumbnails = camilla.locator(".request-photos img")
    assert thumbnails.count() == 2
    camilla.wait_for_function("() => [...document.querySelectorAll('.request-photos img')]"
                              ".every(i => i.complete && i.naturalWidth > 0)")
    full = fetch(system, camilla, camilla.locator(".request-photos a").first.get_attribute("href"))
    assert full.status_code == 200 and full.headers["Content-Type"] == "image/jpeg"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert full.headers["Content-Disposition"].startswith("inline; filename=")
    camilla.goto(url(system, "/"))
    assert int(camilla.locator(".card--requests .card__value").inner_text()) == pending_before + 1

    subject = f"New request {number} on Tar Valon Towers"
    for staff in ("owner@example.com", "ops@example.com"):
        wait_for(lambda: mail_to(system, staff, subject), timeout=30, message=f"the new-request email to {staff}")
    wait_for(lambda: "request_created" in webhooks_about(system, request_id), timeout=40,
             message="the request_created webhook")

    # The back office claims the request (the portal's id came in its request_created webhook) and replies.
    key = back_office_key(system)
    doc = {"number": number, "subject": "Dead shrubs by the pool", "description": "Three shrubs died after the frost.",
           "property_external_id": "towers", "priority": "High", "status": "Open", "include_client": True,
           "created_at": "2026-11-30T09:00:00+00:00", "portal_request_id": request_id,
           "comments": [{"external_id": "e2e-private", "public": False, "author": "Riley Chen",
                         "text": "Internal: order three boxwoods."},
                        {"external_id": "e2e-public", "public": True, "author": "Jordan Blake",
                         "text": "We will replace the shrubs on Monday."}]}
    answered = put_issue(system, key, "crm-e2e-issue-1", doc)
    assert answered.status_code == 200, answered.text
    assert answered.json()["id"] == request_id
    camilla.goto(url(system, f"/requests/{request_id}"))
    comments = camilla.locator(".request-comment").all_inner_texts()
    assert any("We will replace the shrubs on Monday." in c for c in comments)
    assert not any("boxwoods" in c for c in comments)
    wait_for(lambda: mail_to(system, "camilla@example.com", f"Reply to your request {number}"), timeout=30,
             message="the reply email to Camilla")

    # Camilla comments with an attachment; the account owner hears of it.
    note = tmp_path / "corner.jpg"
    note.write_bytes(photo((200, 200, 40), (600, 400)))
    camilla.get_by_role("textbox", name="Comment").fill("Here is the far corner too.")
    camilla.get_by_label("Attachments").set_input_files(str(note))
    camilla.get_by_role("button", name="Add Comment").click()
    camilla.wait_for_selector(".request-comment:has-text('Here is the far corner too.')")
    mine = camilla.locator(".request-comment", has_text="Here is the far corner too.")
    assert mine.locator("img").count() == 1
    wait_for(lambda: mail_to(system, "owner@example.com", f"New comment on request {number}"), timeout=30,
             message="the comment email to the account owner")
    wait_for(lambda: "request_commented" in webhooks_about(system, request_id), timeout=40,
             message="the request_commented webhook")

    # April, another contact of Tar Valon Towers, opens the same request and comments on it.
    april = sign_in(browser, system, "april@example.com", "demo-other-pass")
    april.goto(url(system, "/requests"))
    april.locator(".invoice-row", has_text=f"{number}: Dead shrubs by the pool").get_by_role("link").click()
    april.wait_for_selector("h1:has-text('Dead shrubs by the pool')")
    assert april.locator(".request-photos img").count() >= 2
    april.get_by_role("textbox", name="Comment").fill("The hedge by the gate too, please.")
    april.get_by_role("button", name="Add Comment").click()
    april.wait_for_selector(".request-comment:has-text('The hedge by the gate too, please.')")
    authors = april.locator(".request-comment__meta strong").all_inner_texts()
    assert authors[-2:] == ["Camilla Sailor", "April Malmba"]


def test_dangerous_files_a_sixth_file_and_an_oversize_one_are_refused_naming_them_and_nothing_is_stored(
        system, browser, tmp_path):
    camilla = sign_in(browser, system, "camilla@example.com", "demo-customer-pass")
    listed = fetch(system, camilla, "/api/requests/requests?show=open")
    before = json.loads(listed.headers["X-Pagination"])["total"]

    def submit_with(*files):
        camilla.goto(url(system, "/requests/new"))
        camilla.get_by_label("Associated Property").select_option(label="Tar Valon Towers – 515 Warnock")
        camilla.get_by_label("Subject").fill("Should not be stored")
        camilla.get_by_label("Description").fill("Refused.")
        camilla.get_by_label("Attachments").set_input_files([str(f) for f in files])
        camilla.get_by_role("button", name="Submit Request").click()
        camilla.wait_for_load_state("networkidle")
        return camilla.locator(".alert--error").inner_text()

    renamed = tmp_path / "holiday.jpg"
    renamed.write_bytes(EXE)
    assert "\u201choliday.jpg\u201d is not a photo" in submit_with(renamed)
    drawing = tmp_path / "plan.svg"
    drawing.write_bytes(SVG)
    assert "\u201cplan.svg\u201d is not a photo" in submit_with(drawing)

    # A sixth file and an 11 MB one: the page names them before sending and leaves them out...
    six = []
    for n in range(1, 7):
        path = tmp_path / f"p{n}.jpg"
        path.write_bytes(photo((n * 30, 90, 90), (64, 48)))
        six.append(path)
    big = tmp_path / "big.jpg"
    big.write_bytes(photo((1, 2, 3), (64, 48)) + b"\x00" * (11 * 1024 * 1024))
    camilla.goto(url(system, "/requests/new"))
    camilla.get_by_label("Attachments").set_input_files([str(p) for p in six])
    assert "\u201cp6.jpg\u201d is one too many" in camilla.locator(".attachments__status").inner_text()
    assert camilla.locator(".attachments__name").count() == 5
    camilla.goto(url(system, "/requests/new"))
    camilla.get_by_label("Attachments").set_input_files(str(big))
    assert "\u201cbig.jpg\u201d is larger than 10 MB" in camilla.locator(".attachments__status").inner_text()
    assert camilla.locator(".attachments__name").count() == 0

    # ... and the service refuses them too, when sent anyway (through the gateway, with her session).
    towers = next(p["property_id"] for p in requests.get(
        system.gateway + "/api/identity/customer/me", headers={"Host": f"{SLUG}.{system.stack.base_domain}"},
        cookies=cookies_of(camilla), timeout=10).json()["properties"] if p["name"] == "Tar Valon Towers")
    form = {"property_id": towers, "subject": "Should not be stored", "description": "Refused.", "priority": "Low"}
    for files, named in (([("attachments", (p.name, p.read_bytes(), "image/jpeg")) for p in six], "p6.jpg"),
                         ([("attachments", ("big.jpg", big.read_bytes(), "image/jpeg"))], "big.jpg")):
        refused = requests.post(system.gateway + "/api/requests/requests", data=form, files=files, timeout=60,
                                headers={"Host": f"{SLUG}.{system.stack.base_domain}"}, cookies=cookies_of(camilla))
        assert refused.status_code == 422, refused.text[:300]
        assert named in refused.json()["detail"]

    after = json.loads(fetch(system, camilla, "/api/requests/requests?show=open").headers["X-Pagination"])["total"]
    assert after == before
