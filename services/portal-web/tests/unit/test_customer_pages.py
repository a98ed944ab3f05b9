"""The customer portal's pages against the identity double: sign-in, home, sign-out, password
reset, invitation, profile and password change."""
from __future__ import annotations

import re

import pytest

from portal_shared.identity_token import HEADER
from portal_shared.sessions import COOKIE_NAME
from portal_web import messages

CUSTOMER_EMAIL = "pat@example.com"
CUSTOMER_PASSWORD = "correct horse battery"


def cookie_header(response, name: str) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.getlist("Set-Cookie")
    return headers[0]


def attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")]
    return {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts[1:]}


def label_for(html: str, text: str) -> str:
    """The id of the input the label with this exact text belongs to."""
    match = re.search(rf'<label[^>]*for="([^"]+)"[^>]*>{re.escape(text)}</label>', html)
    assert match, f"no label {text!r}:\n{html}"
    assert re.search(rf'<(input|textarea|select)[^>]*id="{re.escape(match.group(1))}"', html), match.group(1)
    return match.group(1)


def input_tag(html: str, field_id: str) -> str:
    match = re.search(rf'<input[^>]*id="{re.escape(field_id)}"[^>]*>', html)
    assert match, field_id
    return match.group(0)


# -- sign-in --------------------------------------------------------------------------------

def test_the_sign_in_page_has_the_company_email_password_sign_in_and_forgot_password(client, anonymous):
    response = client.get("/login", headers=anonymous)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Green Acres Landscaping" in html
    email, password = label_for(html, "Email"), label_for(html, "Password")
    assert 'autocomplete="username"' in input_tag(html, email)
    assert 'type="password"' in input_tag(html, password)
    assert 'autocomplete="current-password"' in input_tag(html, password)
    assert re.search(r'<button type="submit"[^>]*>Sign In</button>', html)
    assert re.search(r'<a href="/forgot-password">Forgot Password\?</a>', html)


def test_signing_in_sets_a_host_only_httponly_lax_session_cookie_and_goes_home(client, submit, anonymous, identity):
    response = submit("/login", {"email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD}, anonymous)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    cookie = cookie_header(response, COOKIE_NAME)
    attrs = attributes(cookie)
    assert cookie.split(";")[0].startswith(f"{COOKIE_NAME}=sess-")
    assert "httponly" in attrs
    assert attrs["samesite"] == "Lax"
    assert attrs["path"] == "/"
    assert "domain" not in attrs
    assert "secure" not in attrs  # plain http in development
    [call] = identity.called("POST", "/customer/sessions")
    assert call["json"] == {"email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD}
    # The gateway's token and request id travel on to identity unchanged.
    assert call["headers"][HEADER] == anonymous[HEADER]
    assert call["headers"]["X-Request-Id"]


def test_identity_gets_the_request_id_the_gateway_sent(client, submit, anonymous, identity):
    submit("/login", {"email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD},
           {**anonymous, "X-Request-ID": "req-from-gateway-42"})
    [call] = identity.called("POST", "/customer/sessions")
    assert call["headers"]["X-Request-Id"] == "req-from-gateway-42"


def test_with_https_every_cookie_is_secure(make_app, anonymous, csrf_from):
    client = make_app(PORTAL_SCHEME="https").test_client()
    page = client.get("/login", headers=anonymous)
    assert "secure" in attributes(cookie_header(page, "portal_csrf"))
    response = client.post("/login", headers={**anonymous, "Referer": "https://localhost/login"},
                           data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": CUSTOMER_EMAIL,
                                 "password": CUSTOMER_PASSWORD})
    assert response.status_code == 302
    attrs = attributes(cookie_header(response, COOKIE_NAME))
    assert "secure" in attrs and "httponly" in attrs and attrs["samesite"] == "Lax" and "domain" not in attrs


def test_the_csrf_cookie_is_host_only_httponly_and_lax(client, anonymous):
    attrs = attributes(cookie_header(client.get("/login", headers=anonymous), "portal_csrf"))
    assert "httponly" in attrs and attrs["samesite"] == "Lax" and attrs["path"] == "/"
    assert "domain" not in attrs and "secure" not in attrs


@pytest.mark.parametrize("email, password", [(CUSTOMER_EMAIL, "wrong password"), ("stranger@example.com",
                                                                                   CUSTOMER_PASSWORD)])
def test_wrong_credentials_get_one_message_whatever_was_wrong(client, submit, anonymous, email, password):
    response = submit("/login", {"email": email, "password": password}, anonymous)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "The email or password is incorrect." in html
    assert COOKIE_NAME not in " ".join(response.headers.getlist("Set-Cookie"))
    # The email stays filled in; the password never comes back.
    assert f'value="{email}"' in html
    assert password not in html


def test_a_customer_without_properties_in_this_branch_is_sent_to_their_portal(client, submit, anonymous):
    response = submit("/login", {"email": "nobody@elsewhere.example", "password": "whatever it is"}, anonymous)
    assert response.status_code == 403
    assert ("This portal has no properties for you. Sign in at the portal address your service provider sent you."
            in response.get_data(as_text=True))


def test_too_many_attempts_says_how_long_to_wait(client, submit, anonymous):
    response = submit("/login", {"email": "flood@example.com", "password": "whatever it is"}, anonymous)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "300"
    assert "Too many attempts. Try again in 5 minutes." in response.get_data(as_text=True)


@pytest.mark.parametrize("retry_after, words", [("300", "Try again in 5 minutes."), ("61", "Try again in 2 minutes."),
                                                ("20", "Try again in 1 minute."), (None, "Wait a moment and try again.")])
def test_the_wait_is_read_from_retry_after(retry_after, words):
    assert messages.too_many_attempts(retry_after) == f"Too many attempts. {words}"


@pytest.mark.parametrize("path, form_path", [("/login", "/login"), ("/staff/login", "/staff/login")])
def test_sign_in_with_text_that_is_not_an_email_says_enter_a_valid_email(client, submit, anonymous, path, form_path):
    response = submit(path, {"email": "pat.example.com", "password": "whatever it is"}, anonymous, form_path=form_path)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="email-error">\s*<li>Enter a valid email</li>', html)
    assert COOKIE_NAME not in " ".join(response.headers.getlist("Set-Cookie"))


def test_forgot_password_with_text_that_is_not_an_email_says_enter_a_valid_email(client, submit, anonymous):
    response = submit("/forgot-password", {"email": "pat"}, anonymous)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="email-error">\s*<li>Enter a valid email</li>', html)
    assert "we sent a link" not in html


def test_an_empty_sign_in_form_says_what_is_missing_without_calling_identity(client, submit, anonymous, identity):
    response = submit("/login", {"email": "", "password": ""}, anonymous)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter your email." in html and "Enter your password." in html
    assert not identity.called("POST", "/customer/sessions")


def test_a_signed_in_customer_visiting_sign_in_goes_home(client, as_customer):
    response = client.get("/login", headers=as_customer)
    assert response.status_code == 302 and response.headers["Location"] == "/"


# -- home -----------------------------------------------------------------------------------

def test_anonymous_visitors_get_the_landing_page(client, anonymous, identity):
    html = client.get("/", headers=anonymous).get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/login"[^>]*>Sign in</a>', html)
    assert "Welcome," not in html
    assert identity.calls == []


def test_the_signed_in_home_welcomes_and_lists_the_properties_with_a_user_menu(client, as_customer):
    response = client.get("/", headers=as_customer)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Welcome, Pat" in html
    assert "Maple House" in html and "1 Maple St" in html and "Springfield, IL 62701" in html
    assert re.search(r'<a [^>]*href="/profile/password"[^>]*>Reset Password</a>', html)
    assert re.search(r'<form method="post" action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token"', html)
    assert re.search(r'<button type="submit"[^>]*>Sign Out</button>', html)
    assert re.search(r'<a [^>]*href="/profile"[^>]*>Profile</a>', html)


@pytest.mark.parametrize("path", ["/profile", "/profile/password"])
def test_pages_for_customers_send_anonymous_visitors_to_sign_in(client, anonymous, path):
    response = client.get(path, headers=anonymous)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"


def test_staff_are_not_customers(client, as_staff):
    response = client.get("/profile", headers=as_staff)
    assert response.status_code == 302 and response.headers["Location"] == "/login"


@pytest.mark.parametrize("session_tenant", [{}, {"session_tenant_id": "another-tenant"}],
                         ids=["no-session-tenant", "another-tenant"])
def test_account_claims_without_this_tenants_session_are_anonymous(client, portal_identity, identity, session_tenant):
    customer = portal_identity(tenant_id="this-tenant", account_kind="customer", account_id="c-1",
                               **session_tenant)
    staff = portal_identity(tenant_id="this-tenant", account_kind="staff", account_id="s-1", **session_tenant)
    html = client.get("/", headers=customer).get_data(as_text=True)
    assert re.search(r'<a [^>]*href="/login"[^>]*>Sign in</a>', html) and "Welcome," not in html
    assert client.get("/profile", headers=customer).headers["Location"] == "/login"
    assert client.get("/staff/", headers=staff).headers["Location"] == "/staff/login"
    assert identity.calls == []


def test_a_session_identity_has_already_ended_leads_to_sign_in_and_forgets_the_cookie(client, as_customer, identity):
    identity.fail("GET", "/customer/me", 401)
    response = client.get("/", headers=as_customer)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Expires=Thu, 01 Jan 1970" in cookie_header(response, COOKIE_NAME)


# -- sign-out -------------------------------------------------------------------------------

def test_signing_out_ends_the_session_deletes_the_cookie_and_says_so(client, as_customer, anonymous, identity,
                                                                    csrf_from):
    client.set_cookie(COOKIE_NAME, "sess-current", domain="localhost")
    home = client.get("/", headers=as_customer).get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": csrf_from(home)}, headers=as_customer)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert identity.ended_sessions == ["sess-current"]
    cookie = cookie_header(response, COOKIE_NAME)
    assert cookie.startswith(f"{COOKIE_NAME}=;") and "Expires=Thu, 01 Jan 1970" in cookie
    assert "You have been signed out." in client.get("/login", headers=anonymous).get_data(as_text=True)


# -- forgot and reset password ---------------------------------------------------------------

@pytest.mark.parametrize("email", [CUSTOMER_EMAIL, "nobody-at-all@example.com"])
def test_forgot_password_always_answers_the_same(client, submit, anonymous, identity, email):
    page = client.get("/forgot-password", headers=anonymous).get_data(as_text=True)
    label_for(page, "Email")
    response = submit("/forgot-password", {"email": email}, anonymous)
    assert response.status_code == 200
    assert ("If an account exists for that email, we sent a link to reset your password."
            in response.get_data(as_text=True))
    assert identity.called("POST", "/password-resets")[0]["json"] == {"email": email}


def test_an_invalid_reset_link_says_so_and_offers_a_new_one(client, anonymous):
    response = client.get("/reset-password/used-or-expired", headers=anonymous)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link is no longer valid" in html
    assert re.search(r'<a [^>]*href="/forgot-password"[^>]*>Request a new link</a>', html)


def test_resetting_the_password_leads_to_sign_in_with_a_message(client, submit, anonymous, identity):
    page = client.get("/reset-password/reset-token-ok", headers=anonymous).get_data(as_text=True)
    new, confirm = label_for(page, "New password"), label_for(page, "Confirm new password")
    assert 'autocomplete="new-password"' in input_tag(page, new) and 'autocomplete="new-password"' in input_tag(page, confirm)
    response = submit("/reset-password/reset-token-ok",
                      {"new_password": "a long new passphrase", "confirm_password": "a long new passphrase"}, anonymous)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert identity.called("POST", "/password-resets/reset-token-ok")[0]["json"] == {"new_password": "a long new passphrase"}
    assert ("Your password has been changed. Sign in with your new password."
            in client.get("/login", headers=anonymous).get_data(as_text=True))


def test_mismatched_new_passwords_are_caught_before_identity(client, submit, anonymous, identity):
    response = submit("/reset-password/reset-token-ok",
                      {"new_password": "a long new passphrase", "confirm_password": "another passphrase"}, anonymous)
    assert response.status_code == 422
    assert "The passwords do not match." in response.get_data(as_text=True)
    assert not identity.called("POST", "/password-resets/reset-token-ok")


# -- invitation -----------------------------------------------------------------------------

def test_an_invalid_invitation_explains_what_to_do(client, anonymous):
    response = client.get("/invitation/expired-token", headers=anonymous)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert ("This invitation link is no longer valid. It may have expired, been used already, or been replaced by a "
            "newer invitation. Ask Green Acres Landscaping to send a new invitation, or use Forgot Password if you "
            "already have an account.") in html
    assert 'href="/forgot-password"' in html


def test_the_invitation_page_shows_the_company_and_prefilled_names(client, anonymous):
    response = client.get("/invitation/invite-token-ok", headers=anonymous)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Green Acres Landscaping" in html and "nia@example.com" in html
    assert 'value="Nia"' in input_tag(html, label_for(html, "First name"))
    assert 'value="Park"' in input_tag(html, label_for(html, "Last name"))
    password = input_tag(html, label_for(html, "Password"))
    assert 'autocomplete="new-password"' in password
    label_for(html, "Confirm password")
    assert "At least 8 characters. Long passphrases are welcome." in html


def test_accepting_an_invitation_signs_in_and_goes_home(client, submit, anonymous, identity):
    response = submit("/invitation/invite-token-ok", {"first_name": "Nia", "last_name": "Park-Lee",
                                                      "password": "my garden passphrase",
                                                      "confirm_password": "my garden passphrase"}, anonymous)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert cookie_header(response, COOKIE_NAME).startswith(f"{COOKIE_NAME}=sess-from-invitation;")
    assert identity.called("POST", "/invitations/invite-token-ok/accept")[0]["json"] == {
        "first_name": "Nia", "last_name": "Park-Lee", "password": "my garden passphrase"}


# -- profile --------------------------------------------------------------------------------

def test_the_profile_form_is_prefilled(client, as_customer):
    html = client.get("/profile", headers=as_customer).get_data(as_text=True)
    assert 'value="Pat"' in input_tag(html, label_for(html, "First name"))
    assert 'value="Lee"' in input_tag(html, label_for(html, "Last name"))
    assert f'value="{CUSTOMER_EMAIL}"' in input_tag(html, label_for(html, "Email"))


def test_updating_the_profile_says_it_was_successfully_updated(client, submit, as_customer, identity):
    response = submit("/profile", {"first_name": "Patricia", "last_name": "Lee", "email": CUSTOMER_EMAIL},
                      as_customer, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your profile has been successfully updated." in html
    assert 'value="Patricia"' in html
    assert identity.called("PATCH", "/customer/me")[0]["json"] == {"first_name": "Patricia", "last_name": "Lee",
                                                                   "email": CUSTOMER_EMAIL}


def test_identitys_field_messages_appear_next_to_their_fields(client, submit, as_customer):
    response = submit("/profile", {"first_name": "P4", "last_name": "Lee", "email": "not-an-email"}, as_customer)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    first = label_for(html, "First name")
    message = "First name must have at least 2 characters. Numbers and special characters are not allowed."
    assert re.search(rf'<ul class="field__errors" id="{first}-error">\s*<li>{re.escape(message)}</li>', html)
    assert f'aria-describedby="{first}-error"' in input_tag(html, first)
    assert 'aria-invalid="true"' in input_tag(html, first)
    assert re.search(r'id="email-error">\s*<li>Enter a valid email</li>', html)
    assert "successfully updated" not in html


def test_an_email_used_by_another_account_is_refused_at_the_email_field(client, submit, as_customer):
    response = submit("/profile", {"first_name": "Pat", "last_name": "Lee", "email": "taken@example.com",
                                   "current_password": CUSTOMER_PASSWORD}, as_customer)
    assert response.status_code == 422
    assert re.search(r'id="email-error">\s*<li>Another account already uses this email.</li>',
                     response.get_data(as_text=True))


# -- password change ------------------------------------------------------------------------

def test_the_password_page_warns_and_helps_password_managers(client, as_customer):
    html = client.get("/profile/password", headers=as_customer).get_data(as_text=True)
    assert "Changing your password will log you out immediately. Use the new password to log back in." in html
    current = input_tag(html, label_for(html, "Current password"))
    new = input_tag(html, label_for(html, "New password"))
    confirm = input_tag(html, label_for(html, "Confirm new password"))
    assert 'autocomplete="current-password"' in current
    assert 'autocomplete="new-password"' in new and 'autocomplete="new-password"' in confirm
    for tag in (current, new, confirm):
        limit = re.search(r'maxlength="(\d+)"', tag)
        assert limit is None or int(limit.group(1)) >= 128
    assert "At least 8 characters. Long passphrases are welcome." in html
    assert 'aria-describedby="new_password-hint"' in new


def test_changing_the_password_signs_out_and_says_how_to_sign_in_again(client, submit, as_customer, anonymous, identity):
    response = submit("/profile/password", {"current_password": CUSTOMER_PASSWORD,
                                            "new_password": "an even longer passphrase",
                                            "confirm_password": "an even longer passphrase"}, as_customer)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    cookie = cookie_header(response, COOKIE_NAME)
    assert cookie.startswith(f"{COOKIE_NAME}=;") and "Expires=Thu, 01 Jan 1970" in cookie
    assert identity.called("POST", "/customer/password")[0]["json"] == {
        "current_password": CUSTOMER_PASSWORD, "new_password": "an even longer passphrase"}
    assert messages.PASSWORD_CHANGE_NOTE in client.get("/login", headers=anonymous).get_data(as_text=True)


def test_a_wrong_current_password_is_shown_at_that_field(client, submit, as_customer):
    response = submit("/profile/password", {"current_password": "not it", "new_password": "an even longer passphrase",
                                            "confirm_password": "an even longer passphrase"}, as_customer)
    assert response.status_code == 422
    assert COOKIE_NAME not in " ".join(response.headers.getlist("Set-Cookie"))
    assert re.search(r'id="current_password-error">\s*<li>The current password is not correct.</li>',
                     response.get_data(as_text=True))


def test_signing_in_over_an_old_session_cookie_ends_that_session(client, submit, anonymous, identity):
    client.set_cookie(COOKIE_NAME, "sess-left-over-from-before", domain="localhost")
    response = submit("/login", {"email": CUSTOMER_EMAIL, "password": CUSTOMER_PASSWORD}, anonymous)
    assert response.status_code == 302
    assert identity.ended_sessions == ["sess-left-over-from-before"]


def test_changing_the_email_asks_for_the_current_password_next_to_its_field(client, submit, as_customer, identity):
    response = submit("/profile", {"first_name": "Pat", "last_name": "Lee", "email": "pat.new@example.com"},
                      as_customer)
    assert response.status_code == 422
    assert re.search(r'id="current_password-error">\s*<li>Enter your current password to change your email.</li>',
                     response.get_data(as_text=True))
    done = submit("/profile", {"first_name": "Pat", "last_name": "Lee", "email": "pat.new@example.com",
                               "current_password": CUSTOMER_PASSWORD}, as_customer, follow_redirects=True)
    assert "Your profile has been successfully updated." in done.get_data(as_text=True)
    assert identity.called("PATCH", "/customer/me")[-1]["json"]["current_password"] == CUSTOMER_PASSWORD
