"""Tests of portal-web: what is real and what is a stand-in.

unit/ uses the real app from `portal_web.app.create_app`, driven through Flask's test client:
real Jinja templates, real static files and their fingerprints, real CSRF (Flask-WTF) and real
identity tokens signed with `portal_shared.identity_token.sign_identity` — the gateway's part is
played by the tests, which sign with the app's secret (or, for forgeries, with another one).

The identity service is an external service to portal-web, so its part is played by a small real
HTTP server (`IdentityDouble`: werkzeug's server in a thread, on a free port) answering as
docs/identity-api.md says, for the accounts below. `UPSTREAM_IDENTITY` points at it, so every
call goes through the real adapter: its `requests.Session`, timeouts, retries and headers.
portal-web has no database and no broker, so nothing else exists to stand in for.
"""
from __future__ import annotations

import copy
import json
import re
import threading
import uuid
from dataclasses import dataclass, field

import pytest
from flask import Flask, Response, request
from werkzeug.serving import make_server

from portal_shared.config import ServiceSettings
from portal_shared.identity_token import HEADER, InvalidIdentityToken, sign_identity, verify_identity
from portal_web import SERVICE
from portal_web.app import create_app

SECRET = "portal-web-test-internal-secret-0123456789"

CUSTOMER_EMAIL, CUSTOMER_PASSWORD, CUSTOMER_ID = "pat@example.com", "correct horse battery", "c-1"
NO_PROPERTIES_EMAIL = "nobody@elsewhere.example"
RATE_LIMITED_EMAIL = "flood@example.com"
TAKEN_EMAIL = "taken@example.com"
STAFF_EMAIL, STAFF_PASSWORD, STAFF_ID = "sam@staff.example", "staff password 1", "s-1"
SALES_REP_ID = "s-2"  # a Sales Rep: no invitation permissions
GOOD_INVITATION, GOOD_RESET = "invite-token-ok", "reset-token-ok"
LINK = "[CustomerPortalLink]"

PROPERTIES = [{"property_id": "p-1", "name": "Maple House", "street": "1 Maple St", "city": "Springfield",
               "state": "IL", "zip": "62701", "roles": ["Primary Contact"]}]
CONTACTS = [
    {"contact_id": "c-1", "email": CUSTOMER_EMAIL, "first_name": "Pat", "last_name": "Lee", "verified": True,
     "invited_at": "2024-05-01T10:00:00Z", "properties": [{"property_id": "p-1", "name": "Maple House",
                                                           "roles": ["Primary Contact"]}]},
    {"contact_id": "c-2", "email": "ola@example.com", "first_name": "Ola", "last_name": "Diaz", "verified": False,
     "invited_at": None, "properties": [{"property_id": "p-2", "name": "Oak Court", "roles": ["Billing Contact"]}]},
    {"contact_id": "c-3", "email": "kim@example.com", "first_name": "Kim", "last_name": "Wu", "verified": False,
     "invited_at": None, "properties": [{"property_id": "p-3", "name": "Elm Yard", "roles": ["Primary Contact"]}]},
]


def problem(status: int, code: str, detail: str, errors: dict | None = None, headers: dict | None = None):
    body = {"type": f"https://errors.portal.example/{code}", "title": code, "status": status, "code": code,
            "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body), status=status, mimetype="application/problem+json", headers=headers or {})


@dataclass
class IdentityDouble:
    """The identity service's answers from the contract, with a log of what portal-web sent."""

    url: str = ""
    calls: list[dict] = field(default_factory=list)
    failures: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    customer: dict = field(default_factory=dict)
    ended_sessions: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.calls.clear()
        self.failures.clear()
        self.ended_sessions.clear()
        self.customer = {"contact_id": CUSTOMER_ID, "email": CUSTOMER_EMAIL, "first_name": "Pat", "last_name": "Lee",
                         "verified": True, "password": CUSTOMER_PASSWORD, "properties": copy.deepcopy(PROPERTIES)}

    def fail(self, method: str, path: str, *statuses: int) -> None:
        """Answer the next calls of `method path` with these statuses, one each, before answering normally."""
        self.failures[(method, path)] = list(statuses)

    def called(self, method: str, path: str) -> list[dict]:
        return [c for c in self.calls if c["method"] == method and c["path"] == path]


def identity_double_app(double: IdentityDouble) -> Flask:
    app = Flask("identity_double")

    def claims() -> dict | None:
        try:
            return verify_identity(request.headers.get(HEADER, ""), SECRET)
        except InvalidIdentityToken:
            return None

    @app.before_request
    def _record_and_check():
        double.calls.append({"method": request.method, "path": request.path, "args": request.args.to_dict(flat=False),
                             "json": request.get_json(silent=True), "headers": dict(request.headers)})
        pending = double.failures.get((request.method, request.path))
        if pending:
            return problem(pending.pop(0), "injected", "injected failure")
        token = claims()
        if not token or not token.get("tenant_id") or not token.get("branch_id"):
            return problem(401, "unauthenticated", "A valid identity token naming tenant and branch is required.")
        return None

    def account(kind: str) -> str | None:
        token = claims() or {}
        return token.get("account_id") if token.get("account_kind") == kind else None

    def me_body() -> dict:
        return {k: v for k, v in double.customer.items() if k != "password"}

    # -- customer ---------------------------------------------------------------------------
    @app.post("/customer/sessions")
    def customer_sessions():
        body = request.get_json()
        if body["email"] == RATE_LIMITED_EMAIL:
            return problem(429, "rate_limited", "Too many sign-in attempts.", headers={"Retry-After": "30"})
        if body["email"] == NO_PROPERTIES_EMAIL:
            return problem(403, "no_properties_in_branch", "No properties in this branch.")
        if body["email"] != double.customer["email"] or body["password"] != double.customer["password"]:
            return problem(401, "invalid_credentials", "Invalid email or password.")
        return {"session_id": f"sess-{uuid.uuid4().hex}", "contact_id": CUSTOMER_ID}, 201

    @app.post("/sessions/end")
    def end_session():
        double.ended_sessions.append(request.get_json()["session_id"])
        return "", 204

    @app.get("/customer/me")
    def get_me():
        if account("customer") != CUSTOMER_ID:
            return problem(401, "unauthenticated", "Not a signed-in customer.")
        return me_body()

    @app.patch("/customer/me")
    def patch_me():
        if account("customer") != CUSTOMER_ID:
            return problem(401, "unauthenticated", "Not a signed-in customer.")
        body = request.get_json()
        errors = {}
        if "first_name" in body and not re.fullmatch(r"[A-Za-z][A-Za-z' -]+", body["first_name"]):
            errors["first_name"] = ["First name must have at least 2 characters. Numbers and special characters "
                                    "are not allowed."]
        if "email" in body and "@" not in body["email"]:
            errors["email"] = ["Enter a valid email"]
        if errors:
            return problem(422, "validation_failed", "Some fields are invalid.", errors)
        if body.get("email") == TAKEN_EMAIL:
            return problem(409, "email_taken", "Another account already uses this email.")
        double.customer.update({k: v for k, v in body.items() if k in ("first_name", "last_name", "email")})
        return me_body()

    @app.post("/customer/password")
    def change_password():
        if account("customer") != CUSTOMER_ID:
            return problem(401, "unauthenticated", "Not a signed-in customer.")
        body = request.get_json()
        if body["current_password"] != double.customer["password"]:
            return problem(422, "validation_failed", "Some fields are invalid.",
                           {"current_password": ["The current password is not correct."]})
        double.customer["password"] = body["new_password"]
        return "", 204

    @app.post("/password-resets")
    def request_reset():
        return {}, 202

    @app.get("/password-resets/<token>")
    def get_reset(token):
        if token != GOOD_RESET:
            return problem(410, "link_invalid", "This link is no longer valid.")
        return {"email": CUSTOMER_EMAIL}

    @app.post("/password-resets/<token>")
    def complete_reset(token):
        if token != GOOD_RESET:
            return problem(410, "link_invalid", "This link is no longer valid.")
        double.customer["password"] = request.get_json()["new_password"]
        return "", 204

    @app.get("/invitations/<token>")
    def get_invitation(token):
        if token != GOOD_INVITATION:
            return problem(410, "invitation_invalid", "This invitation is no longer valid.")
        return {"email": "nia@example.com", "first_name": "Nia", "last_name": "Park",
                "company_name": "Green Acres Landscaping"}

    @app.post("/invitations/<token>/accept")
    def accept_invitation(token):
        if token != GOOD_INVITATION:
            return problem(410, "invitation_invalid", "This invitation is no longer valid.")
        return {"session_id": "sess-from-invitation", "contact_id": "c-9"}, 201

    # -- staff ------------------------------------------------------------------------------
    staff_users = {
        STAFF_ID: {"staff_id": STAFF_ID, "email": STAFF_EMAIL, "first_name": "Sam", "last_name": "Ortiz",
                   "role": "Branch Manager", "permissions": ["send_portal_invitation", "bulk_email_contacts"]},
        SALES_REP_ID: {"staff_id": SALES_REP_ID, "email": "rep@staff.example", "first_name": "Rae", "last_name": "Fox",
                       "role": "Sales Rep", "permissions": []},
    }

    @app.post("/staff/sessions")
    def staff_sessions():
        body = request.get_json()
        if body["email"] != STAFF_EMAIL or body["password"] != STAFF_PASSWORD:
            return problem(401, "invalid_credentials", "Invalid email or password.")
        return {"session_id": "staff-session-1", "staff_id": STAFF_ID}, 201

    def signed_in_staff() -> dict | None:
        return staff_users.get(account("staff") or "")

    @app.get("/staff/me")
    def staff_me():
        staff = signed_in_staff()
        if staff is None:
            return problem(401, "unauthenticated", "Not signed-in staff.")
        return {**staff, "branch_ids": [(claims() or {}).get("branch_id")]}

    @app.get("/staff/contacts")
    def staff_contacts():
        if signed_in_staff() is None:
            return problem(401, "unauthenticated", "Not signed-in staff.")
        q = (request.args.get("q") or "").lower()
        verified = request.args.get("verified")
        rows = [c for c in CONTACTS
                if (not q or q in f"{c['first_name']} {c['last_name']} {c['email']}".lower())
                and (verified is None or c["verified"] == (verified == "true"))]
        page, size = int(request.args.get("page", 1)), int(request.args.get("page_size", 10))
        pages = max(1, -(-len(rows) // size))
        meta = {"total": len(rows), "total_pages": pages, "first_page": 1, "last_page": pages, "page": page}
        if page > 1:
            meta["previous_page"] = page - 1
        if page < pages:
            meta["next_page"] = page + 1
        return Response(json.dumps(rows[(page - 1) * size: page * size]), mimetype="application/json",
                        headers={"X-Pagination": json.dumps(meta)})

    @app.get("/staff/invitation-template")
    def invitation_template():
        if signed_in_staff() is None:
            return problem(401, "unauthenticated", "Not signed-in staff.")
        return {"subject": "[ContactName], you've been invited to the Customer Portal!",
                "body": f"Hello [ContactName],\n\nCreate your account: {LINK}", "link_description": "Set up my account",
                "tokens": ["[ContactName]", LINK, "[CompanyName]"]}

    @app.post("/staff/invitations")
    def send_invitations():
        staff = signed_in_staff()
        if staff is None:
            return problem(401, "unauthenticated", "Not signed-in staff.")
        if not {"send_portal_invitation", "bulk_email_contacts"} <= set(staff["permissions"]):
            return problem(403, "missing_permission", "Sending invitations needs the Send Customer Portal "
                                                      "Invitation and Bulk Email Contacts permissions.")
        body = request.get_json()
        if LINK not in body["body"]:
            return problem(422, "validation_failed", "The body must include [CustomerPortalLink].",
                           {"body": ["The invitation body must include [CustomerPortalLink]."]})
        by_id = {c["contact_id"]: c for c in CONTACTS}
        results = []
        for recipient in body["recipients"]:
            contact = by_id[recipient["contact_id"]]
            email = recipient.get("email") or contact["email"]
            if contact["verified"]:
                results.append({"contact_id": contact["contact_id"], "email": email, "status": "refused",
                                "code": "already_verified",
                                "message": "Already Customer Portal Verified: they can use Forgot Password."})
            else:
                results.append({"contact_id": contact["contact_id"], "email": email, "status": "sent"})
        return {"results": results}

    return app


@pytest.fixture(scope="session")
def _identity_server():
    double = IdentityDouble()
    server = make_server("127.0.0.1", 0, identity_double_app(double), threaded=True)
    double.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="identity-double", daemon=True)
    thread.start()
    try:
        yield double
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def identity(_identity_server):
    """The identity double, with its accounts as described above and an empty call log."""
    _identity_server.reset()
    return _identity_server


def build_app(identity_url: str, monkeypatch, **env: str):
    monkeypatch.setenv("UPSTREAM_IDENTITY", identity_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # Nothing listens on port 9: were the app to touch a database, the requests would fail.
    return create_app(ServiceSettings(service=SERVICE, database_url="postgresql+psycopg://127.0.0.1:9/none",
                                      internal_token_secret=SECRET))


@pytest.fixture
def make_app(identity, monkeypatch):
    """A fresh app with these environment variables; identity is the double unless told otherwise."""
    monkeypatch.delenv("PORTAL_SCHEME", raising=False)

    def make(identity_url: str | None = None, **env: str):
        return build_app(identity_url or identity.url, monkeypatch, **env)

    return make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def portal_identity():
    """The X-Portal-Identity header the gateway sends for a branch portal; override any claim."""

    def make(secret: str = SECRET, **claims) -> dict[str, str]:
        values = {"kind": "request", "tenant_id": str(uuid.uuid4()), "branch_id": str(uuid.uuid4()),
                  "branch_slug": "north", "branch_name": "North Branch",
                  "company_name": "Green Acres Landscaping", **claims}
        return {HEADER: sign_identity(values, secret)}

    return make


@pytest.fixture
def anonymous(portal_identity):
    """Headers of a visitor with no session."""
    return portal_identity()


@pytest.fixture
def as_customer(portal_identity):
    """Headers the gateway sends once the portal_session cookie names the customer's live session."""
    tenant = str(uuid.uuid4())
    return portal_identity(tenant_id=tenant, account_kind="customer", account_id=CUSTOMER_ID, session_tenant_id=tenant)


@pytest.fixture
def as_staff(portal_identity):
    tenant = str(uuid.uuid4())
    return portal_identity(tenant_id=tenant, account_kind="staff", account_id=STAFF_ID, session_tenant_id=tenant)


@pytest.fixture
def as_sales_rep(portal_identity):
    tenant = str(uuid.uuid4())
    return portal_identity(tenant_id=tenant, account_kind="staff", account_id=SALES_REP_ID, session_tenant_id=tenant)


CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token_in(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no CSRF token field:\n" + html
    return match.group(1) or match.group(2)


@pytest.fixture
def csrf_from():
    """The CSRF token of the first form on a page."""
    return csrf_token_in


@pytest.fixture
def submit(client):
    """Load a form page as a browser would, then post it with the page's CSRF token."""

    def post(path: str, data: dict, headers: dict, form_path: str | None = None, **kwargs):
        page = client.get(form_path or path, headers=headers)
        assert page.status_code == 200, page.get_data(as_text=True)
        return client.post(path, data={"csrf_token": csrf_token_in(page.get_data(as_text=True)), **data},
                           headers=headers, **kwargs)

    return post
