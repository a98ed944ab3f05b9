"""A branch portal's settings through the API: defaults, saves as versions with history and an
event in one transaction, validation naming each field, contrast warnings, and who may do it."""
from __future__ import annotations

import json

import pytest

from portal_config.domain.settings import MISSING_LINK_MESSAGE, default_settings
from portal_config.service_layer import settings as settings_uc
from portal_shared.events import Envelope
from portal_shared.events.contracts import contract_for

pytestmark = pytest.mark.integration

GOOD_BODY = "Hello [ContactFirstName], join us: [CustomerPortalLink]\n[SenderName]"


def _settings_events(rows) -> list[dict]:
    """portal_settings_updated envelopes of the outbox, each checked against its contract."""
    events = []
    for row in rows("outbox"):
        if row["event_type"] != "portal_settings_updated":
            continue
        payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
        Envelope.from_dict(payload)
        assert contract_for(payload["type"], payload["version"]).validate(payload["data"]) == {}
        assert str(row["tenant_id"]) == payload["tenant_id"]
        events.append(payload)
    return events


def _written(rows) -> dict:
    return {"settings": rows("portal_settings", "branch_id"), "versions": rows("portal_settings_versions", "version"),
            "outbox": rows("outbox"), "branches": rows("branches")}


# -- a new branch --------------------------------------------------------------------------------

def test_a_new_branch_gets_default_settings_as_version_1_with_history_and_an_event(company, branch, rows):
    acme = company(name="Acme Lawns")
    created = branch(acme["id"])

    (current,) = rows("portal_settings", "branch_id")
    assert (str(current["branch_id"]), current["version"], current["updated_by"]) == (created["branch_id"], 1, None)
    assert current["settings"] == default_settings("Acme Lawns")
    assert current["settings"]["page_title"] == "Acme Lawns Customer Portal"
    (history,) = rows("portal_settings_versions", "version")
    assert (history["version"], history["changes"], history["changed_by"]) == (1, {}, None)

    (event,) = _settings_events(rows)
    assert (event["branch_id"], event["tenant_id"]) == (created["branch_id"], acme["id"])
    assert event["data"]["version"] == 1 and event["data"]["updated_by"] is None
    assert event["data"]["settings"]["nav_title"] == "Acme Lawns"
    assert event["data"]["settings"]["login_logo_url"] is None


def test_staff_read_the_current_settings_as_the_form_with_version_and_warnings(client, portal):
    north = portal()
    response = client.get(f"/branches/{north.branch_id}/settings", headers=north.headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["branch_id"], body["version"], body["portal_url"]) == (north.branch_id, 1, "http://north.localhost:8080")
    assert body["warnings"] == []
    form = body["settings"]
    assert (form["enabled"], form["slug"]) == (True, "north")
    assert form["login_logo_asset_id"] is None and form["login_logo_url"] is None
    assert form["invitation_body"].count("[CustomerPortalLink]") == 1


# -- saving --------------------------------------------------------------------------------------

def test_saving_writes_version_2_a_history_row_and_the_event_in_one_transaction(client, portal, rows):
    north = portal()
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json={
        "nav_background_color": "0D47A1", "page_title": "  Green Acres Portal ", "proposal_window_days": 30,
        "electronic_payments": True, "accepted_payment_types": ["card"], "card_convenience_fee_percent": 3,
        "invitation_body": GOOD_BODY})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["version"] == 2 and body["updated_by"] == north.staff_id
    assert body["settings"]["nav_background_color"] == "#0d47a1"
    assert body["settings"]["card_convenience_fee_percent"] == "3.00"

    (current,) = rows("portal_settings", "branch_id")
    assert current["version"] == 2 and str(current["updated_by"]) == north.staff_id
    history = rows("portal_settings_versions", "version")
    assert [h["version"] for h in history] == [1, 2]
    latest = history[1]
    assert str(latest["changed_by"]) == north.staff_id
    assert latest["changes"] == {
        "page_title": {"from": "Green Acres Landscaping Customer Portal", "to": "Green Acres Portal"},
        "nav_background_color": {"from": "#1b5e20", "to": "#0d47a1"},
        "proposal_window_days": {"from": None, "to": 30},
        "electronic_payments": {"from": False, "to": True},
        "accepted_payment_types": {"from": ["card", "ach"], "to": ["card"]},
        "card_convenience_fee_percent": {"from": "0.00", "to": "3.00"},
        "invitation_body": {"from": default_settings("x")["invitation_body"], "to": GOOD_BODY},
    }
    assert latest["settings"] == current["settings"]

    events = _settings_events(rows)
    assert [e["data"]["version"] for e in events] == [1, 2]
    published = events[1]
    assert published["branch_id"] == north.branch_id and published["data"]["updated_by"] == north.staff_id
    assert published["data"]["settings"]["nav_background_color"] == "#0d47a1"
    assert published["data"]["settings"]["card_convenience_fee_percent"] == "3.00"
    assert set(published["data"]["settings"]) == set(contract_for("portal_settings_updated").fields["settings"]
                                                     .schema.fields)
    saved_at = {latest["changed_at"], current["updated_at"],
                next(r["created_at"] for r in rows("outbox") if r["payload"]["id"] == published["id"])}
    assert len(saved_at) == 1  # now() of one transaction


def test_every_save_that_changes_something_is_a_new_version(client, portal):
    north = portal()
    for version, title in ((2, "One"), (3, "Two"), (4, "Three")):
        response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json={"page_title": title})
        assert response.get_json()["version"] == version


def test_a_save_that_changes_nothing_writes_no_version_and_no_event(client, portal, rows):
    north = portal()
    current = client.get(f"/branches/{north.branch_id}/settings", headers=north.headers).get_json()
    before = _written(rows)
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json=current["settings"])
    assert response.status_code == 200 and response.get_json()["version"] == 1
    assert _written(rows) == before


def test_enabled_and_slug_are_saved_on_the_branch_which_publishes_branch_updated(client, portal, rows):
    north = portal()
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers,
                          json={"enabled": False, "slug": "North-Side", "nav_title": "North Side"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["settings"]["enabled"], body["settings"]["slug"], body["portal_url"]) == \
        (False, "north-side", "http://north-side.localhost:8080")
    (branch_row,) = rows("branches")
    assert (branch_row["enabled"], branch_row["slug"], branch_row["revision"]) == (False, "north-side", 2)
    (updated,) = [r["payload"] for r in rows("outbox") if r["event_type"] == "branch_updated"]
    assert (updated["data"]["enabled"], updated["data"]["slug"]) == (False, "north-side")
    changes = rows("portal_settings_versions", "version")[-1]["changes"]
    assert changes["enabled"] == {"from": True, "to": False}
    assert changes["slug"] == {"from": "north", "to": "north-side"}
    assert "enabled" not in rows("portal_settings", "branch_id")[0]["settings"]


def test_a_save_that_loses_its_event_writes_nothing_at_all(client, portal, rows, monkeypatch):
    north = portal()
    before = _written(rows)
    real_record = settings_uc.record_event

    def record_then_fail(session, event):
        real_record(session, event)
        raise RuntimeError("the outbox is on fire")

    monkeypatch.setattr(settings_uc, "record_event", record_then_fail)
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers,
                          json={"page_title": "Lost", "enabled": False})
    assert response.status_code == 500
    assert _written(rows) == before


def test_an_edit_of_an_older_version_answers_409_and_writes_nothing(client, portal, rows):
    north = portal()
    client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json={"page_title": "Theirs"})
    before = _written(rows)
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers,
                          json={"page_title": "Mine", "expected_version": 1})
    assert response.status_code == 409 and response.get_json()["code"] == "version_conflict"
    assert _written(rows) == before
    ok = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers,
                    json={"page_title": "Mine", "expected_version": 2})
    assert ok.get_json()["version"] == 3


# -- validation ----------------------------------------------------------------------------------

BAD = {
    "nav_font_color": "red", "background_color": "#12345", "border_color": "#ggg", "display_font": "Papyrus",
    "proposal_window_days": 400, "card_convenience_fee_percent": "10.5", "invitation_body": "Hello [ContactName]",
    "page_title": "x" * 101, "show_invoices": "yes", "accepted_payment_types": ["cash"], "slug": "admin",
    "login_logo_asset_id": "not-an-id", "carousel": [{"asset_id": None, "link": "ftp://x"}], "mood": "sunny",
}


def test_bad_input_answers_422_naming_each_bad_field_and_writes_nothing(client, portal, rows):
    north = portal()
    before = _written(rows)
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json=BAD)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] == "validation_failed"
    assert set(problem["errors"]) == (set(BAD) - {"carousel"}) | {"carousel.0.asset_id", "carousel.0.link"}
    assert problem["errors"]["nav_font_color"] == ["Enter a colour like #1b5e20."]
    assert problem["errors"]["invitation_body"] == [MISSING_LINK_MESSAGE]
    assert problem["errors"]["mood"] == ["Unknown field."]
    assert _written(rows) == before


def test_a_taken_subdomain_is_an_error_on_the_slug(client, portal, company, branch, rows):
    north = portal()
    branch(company(name="Other")["id"], slug="taken")
    before = _written(rows)
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json={"slug": "taken"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"slug": ["The subdomain 'taken' is taken."]}
    assert _written(rows) == before


def test_electronic_payments_without_a_payment_type_are_refused(client, portal):
    north = portal()
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers,
                          json={"electronic_payments": True, "accepted_payment_types": []})
    assert set(response.get_json()["errors"]) == {"accepted_payment_types"}


def test_a_logo_that_was_never_uploaded_is_refused(client, portal):
    north = portal()
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers,
                          json={"login_logo_asset_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"login_logo_asset_id": ["No such image; upload it first."]}


def test_low_contrast_saves_but_answers_with_a_warning(client, portal):
    north = portal()
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers,
                          json={"nav_font_color": "#777", "nav_background_color": "#888"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == 2
    (warning,) = body["warnings"]
    assert warning["fields"] == ["nav_font_color", "nav_background_color"] and warning["ratio"] < 4.5
    assert client.get(f"/branches/{north.branch_id}/settings", headers=north.headers).get_json()["warnings"] == \
        body["warnings"]


def test_check_answers_errors_warnings_and_the_normalised_form_and_writes_nothing(client, portal, rows):
    north = portal()
    before = _written(rows)
    response = client.post(f"/branches/{north.branch_id}/settings/check", headers=north.headers, json={
        "nav_font_color": "777", "nav_background_color": "#888", "button_background_color": "1B5E20",
        "display_font": "comic sans", "expected_version": 1})
    assert response.status_code == 200
    body = response.get_json()
    assert body["errors"] == {"display_font": ["Choose one of the offered fonts."]}
    assert [w["fields"] for w in body["warnings"]] == [["nav_font_color", "nav_background_color"]]
    assert (body["settings"]["nav_font_color"], body["settings"]["button_background_color"]) == ("#777777", "#1b5e20")
    assert body["settings"]["slug"] == "north" and body["settings"]["page_title"].endswith("Customer Portal")
    assert _written(rows) == before


# -- history -------------------------------------------------------------------------------------

def test_the_history_says_who_changed_what_and_when_newest_first_a_page_at_a_time(client, portal, operator):
    north = portal(first_name="Sam", last_name="Ortiz")
    client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json={"page_title": "By Sam"})
    client.put(f"/branches/{north.branch_id}/settings", headers=operator, json={"nav_title": "By operator"})

    response = client.get(f"/branches/{north.branch_id}/settings/versions?page=1&page_size=2", headers=north.headers)
    assert response.status_code == 200
    assert json.loads(response.headers["X-Pagination"])["total"] == 3
    newest, middle = response.get_json()
    assert (newest["version"], newest["changed_by"], newest["changed_by_name"]) == (3, None, None)
    assert newest["changes"] == {"nav_title": {"from": "Green Acres Landscaping", "to": "By operator"}}
    assert (middle["version"], middle["changed_by"], middle["changed_by_name"]) == (2, north.staff_id, "Sam Ortiz")
    assert middle["changes"]["page_title"]["to"] == "By Sam"
    assert middle["changed_at"]
    (first,) = client.get(f"/branches/{north.branch_id}/settings/versions?page=2&page_size=2",
                          headers=north.headers).get_json()
    assert first["version"] == 1 and first["changes"] == {}

    detail = client.get(f"/branches/{north.branch_id}/settings/versions/2", headers=north.headers).get_json()
    assert detail["settings"]["page_title"] == "By Sam"
    assert client.get(f"/branches/{north.branch_id}/settings/versions/9", headers=north.headers).status_code == 404


# -- who may -------------------------------------------------------------------------------------

def _attempts(client, branch_id: str, headers: dict) -> list:
    return [client.get(f"/branches/{branch_id}/settings", headers=headers),
            client.put(f"/branches/{branch_id}/settings", headers=headers, json={"page_title": "Hijacked"}),
            client.post(f"/branches/{branch_id}/settings/check", headers=headers, json={"page_title": "x"}),
            client.get(f"/branches/{branch_id}/settings/versions", headers=headers)]


def test_staff_without_the_permission_get_403_and_change_nothing(client, portal, rows):
    north = portal(permissions=("send_portal_invitation", "bulk_email_contacts"))
    before = _written(rows)
    for response in _attempts(client, north.branch_id, north.headers):
        assert response.status_code == 403
        assert response.get_json()["code"] == "missing_permission"
    assert _written(rows) == before


def test_another_tenants_branch_answers_404(client, portal, company, branch, rows):
    north = portal()
    theirs = branch(company(name="Rival Lawns")["id"], slug="rival")
    before = _written(rows)
    for response in _attempts(client, theirs["branch_id"], north.headers):
        assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    assert _written(rows) == before


@pytest.mark.parametrize("who, status, code", [
    ("inactive", 403, "forbidden"),
    ("elsewhere", 403, "not_in_branch"),
    ("unknown", 403, "forbidden"),
    ("customer", 403, "forbidden"),
    ("other-session-tenant", 401, "unauthenticated"),
    ("anonymous", 401, "unauthenticated"),
    ("wrong-operator-token", 401, "unauthenticated"),
])
def test_only_an_active_permitted_staff_member_of_the_branch_gets_in(client, portal, staff_member, staff_headers,
                                                                     identity_header, branch, rows, who, status, code):
    north = portal()
    south = branch(north.tenant_id, slug="south")["branch_id"]
    headers = {
        "inactive": lambda: staff_headers(north.tenant_id, north.branch_id,
                                          staff_member(north.tenant_id, [north.branch_id], active=False)),
        "elsewhere": lambda: staff_headers(north.tenant_id, north.branch_id, staff_member(north.tenant_id, [south])),
        "unknown": lambda: staff_headers(north.tenant_id, north.branch_id, "5f0c1f5e-0000-4000-8000-000000000000"),
        "customer": lambda: identity_header({"kind": "request", "tenant_id": north.tenant_id,
                                             "branch_id": north.branch_id, "account_kind": "customer",
                                             "account_id": north.staff_id, "session_tenant_id": north.tenant_id}),
        "other-session-tenant": lambda: staff_headers(north.tenant_id, north.branch_id, north.staff_id,
                                                      session_tenant_id="0d4f-not-this-tenant"),
        "anonymous": lambda: {},
        "wrong-operator-token": lambda: {"Authorization": "Bearer nope"},
    }[who]()
    before = _written(rows)
    for response in _attempts(client, north.branch_id, headers):
        assert response.status_code == status, (who, response.get_json())
        assert response.get_json()["code"] == code
        assert "errors" not in response.get_json()  # refused before the body was looked at
    assert _written(rows) == before


def test_the_operator_token_reads_and_saves_any_branch_as_nobody(client, operator, company, branch, rows):
    created = branch(company()["id"])
    assert client.get(f"/branches/{created['branch_id']}/settings", headers=operator).status_code == 200
    response = client.put(f"/branches/{created['branch_id']}/settings", headers=operator,
                          json={"page_title": "Set up by support"})
    assert response.status_code == 200 and response.get_json()["version"] == 2
    assert response.get_json()["updated_by"] is None
    assert rows("portal_settings_versions", "version")[-1]["changed_by"] is None
    assert _settings_events(rows)[-1]["data"]["updated_by"] is None


def test_the_operator_token_on_an_unknown_branch_answers_404(client, operator):
    response = client.get("/branches/7c9e6679-7425-40de-944b-e07fc1f90ae7/settings", headers=operator)
    assert response.status_code == 404


def test_a_staff_member_updated_without_the_permission_loses_access(client, portal, staff_member):
    north = portal()
    assert client.get(f"/branches/{north.branch_id}/settings", headers=north.headers).status_code == 200
    staff_member(north.tenant_id, [north.branch_id], staff_id=north.staff_id, permissions=())
    assert client.get(f"/branches/{north.branch_id}/settings", headers=north.headers).status_code == 403


# -- the options of the form ---------------------------------------------------------------------

def test_the_form_options_list_the_contract_fonts_and_the_tokens(client):
    body = client.get("/settings/options").get_json()
    assert "Open Sans" in [f["name"] for f in body["fonts"]]
    assert "[CustomerPortalLink]" in body["tokens"]
    assert body["card_convenience_fee_percent"]["applies_to"] == ["card"]
