"""The emails of identity's events: who they are from and to, and how their templates render."""
from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import pytest

from portal_notifications.adapters.smtp import FakeMailer, OutgoingEmail
from portal_notifications.adapters.templates import EmailRenderer, text_to_html
from portal_notifications.domain.emails import (
    INVITATION,
    PASSWORD_CHANGED,
    PASSWORD_RESET,
    UnsafeEventData,
    duration_in_words,
    from_address,
    invitation_email,
    password_changed_email,
    password_reset_email,
)

MAIL_FROM = "Customer Portal <no-reply@portal.example>"


@pytest.fixture(scope="module")
def renderer() -> EmailRenderer:
    return EmailRenderer()


def sent(draft, renderer) -> EmailMessage:
    """The message the mail sender would hand to SMTP for this draft."""
    rendered = renderer.render(draft)
    mailer = FakeMailer()
    mailer.send(OutgoingEmail(id="m1", event_id="e1", from_address=from_address(MAIL_FROM, draft.from_name),
                              to_address=draft.to_address, reply_to=draft.reply_to, subject=rendered.subject,
                              text_body=rendered.text_body, html_body=rendered.html_body))
    return mailer.sent[0]


# -- invitation_created ----------------------------------------------------------------------

def test_an_invitation_is_from_the_staff_user_via_the_company_at_our_address(make_invitation_created):
    draft = invitation_email(make_invitation_created().data)
    assert draft.template == INVITATION
    assert from_address(MAIL_FROM, draft.from_name) == "Alex Admin via Demo Landscaping <no-reply@portal.example>"
    assert draft.reply_to == "Alex Admin <alex@demo-landscaping.example>"
    assert draft.to_address == "Jane Doe <jane@customer.example>"
    assert draft.subject == "Your Demo Landscaping customer portal"


def test_the_sent_invitation_carries_from_reply_to_and_to_headers(make_invitation_created, renderer):
    message = sent(invitation_email(make_invitation_created().data), renderer)
    assert parseaddr(message["From"]) == ("Alex Admin via Demo Landscaping", "no-reply@portal.example")
    assert parseaddr(message["Reply-To"]) == ("Alex Admin", "alex@demo-landscaping.example")
    assert getaddresses([message["To"]]) == [("Jane Doe", "jane@customer.example")]
    assert message["Message-ID"] == "<m1@portal.example>"


def test_the_invitation_text_is_exactly_what_identity_rendered(make_invitation_created, renderer):
    data = make_invitation_created().data
    rendered = renderer.render(invitation_email(data))
    assert rendered.text_body == data["body_text"]
    assert data["link"] in rendered.text_body


def test_the_invitation_html_links_the_url_with_its_description_in_paragraphs(make_invitation_created, renderer):
    data = make_invitation_created().data
    html = renderer.render(invitation_email(data)).html_body
    assert f'<a href="{data["link"]}"' in html
    assert ">Open your customer portal</a>" in html
    assert "Set up your account here: <a href=" in html
    assert ">Hello Jane Doe,</p>" in html
    assert "Thanks,<br>\nAlex Admin</p>" in html
    assert "<title>Your Demo Landscaping customer portal</title>" in html


def test_the_invitation_html_escapes_what_staff_wrote_and_the_text_keeps_it(make_invitation_created, renderer):
    link = "http://demo.localhost:8080/invitations/abc?x=1&y=2"
    data = make_invitation_created(
        body_text=f"Hi <b>Jane</b> & co,\n\n<script>alert(1)</script> {link}\n",
        link=link, link_description="<Join> & pay", company_name="<Acme & Sons>",
        subject="Join <Acme & Sons>",
    ).data
    rendered = renderer.render(invitation_email(data))
    html = rendered.html_body
    assert "<script>" not in html and "<b>" not in html
    assert "Hi &lt;b&gt;Jane&lt;/b&gt; &amp; co," in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="http://demo.localhost:8080/invitations/abc?x=1&amp;y=2"' in html
    assert ">&lt;Join&gt; &amp; pay</a>" in html
    assert "<title>Join &lt;Acme &amp; Sons&gt;</title>" in html
    assert rendered.text_body == data["body_text"]
    assert rendered.subject == "Join <Acme & Sons>"


def test_a_body_without_its_link_gets_the_link_appended(make_invitation_created, renderer):
    data = make_invitation_created(body_text="Hello Jane,\n\nWelcome.\n").data
    rendered = renderer.render(invitation_email(data))
    assert rendered.text_body.startswith("Hello Jane,\n\nWelcome.\n\n")
    assert data["link"] in rendered.text_body
    assert f'<a href="{data["link"]}"' in rendered.html_body


@pytest.mark.parametrize("field, value", [
    ("subject", "Hi\r\nBcc: victim@example.com"),
    ("to_name", "Jane\r\nBcc: victim@example.com"),
    ("company_name", "Demo\nBcc: victim@example.com"),
    ("sender", {"name": "Alex\r\nBcc: victim@example.com", "email": "alex@demo.example"}),
])
def test_line_breaks_in_names_cannot_reach_a_header(make_invitation_created, renderer, field, value):
    message = sent(invitation_email(make_invitation_created(**{field: value}).data), renderer)
    assert message["Bcc"] is None
    for header in ("From", "To", "Reply-To", "Subject"):
        assert "\n" not in str(message[header]) and "\r" not in str(message[header])


def test_names_with_quotes_commas_and_accents_stay_one_mailbox(make_invitation_created, renderer):
    data = make_invitation_created(sender={"name": 'José "JJ" Pérez, Jr.', "email": "jose@demo.example"},
                                   company_name="Smith, Sons & Co.").data
    message = sent(invitation_email(data), renderer)
    assert parseaddr(message["Reply-To"]) == ('José "JJ" Pérez, Jr.', "jose@demo.example")
    assert parseaddr(message["From"]) == ('José "JJ" Pérez, Jr. via Smith, Sons & Co.', "no-reply@portal.example")
    assert len(message["From"].addresses) == 1 and len(message["Reply-To"].addresses) == 1


def test_a_very_long_sender_name_is_shortened_not_refused(make_invitation_created):
    draft = invitation_email(make_invitation_created(sender={"name": "A" * 400, "email": "a@demo.example"}).data)
    assert len(from_address(MAIL_FROM, draft.from_name)) <= 500
    assert len(draft.reply_to) <= 500 and draft.reply_to.endswith("<a@demo.example>")


def test_an_invitation_link_that_is_not_a_web_link_is_refused(make_invitation_created):
    data = make_invitation_created(link="javascript:alert(1)", body_text="Click javascript:alert(1)").data
    with pytest.raises(UnsafeEventData):
        invitation_email(data)


def test_text_to_html_makes_paragraphs_and_line_breaks():
    html = text_to_html("One\ntwo\r\n\r\n\n  \nThree & <four>\n")
    assert html.count("<p ") == 2
    assert "One<br>\ntwo</p>" in html
    assert "Three &amp; &lt;four&gt;</p>" in html


# -- password_reset_requested ----------------------------------------------------------------

def reset_draft(make_password_reset_requested, **overrides):
    event = make_password_reset_requested(**overrides)
    return password_reset_email(event.data, requested_at=datetime.fromisoformat(event.occurred_at)), event.data


def test_a_reset_email_goes_to_the_customer_from_us_without_reply_to(make_password_reset_requested):
    draft, _ = reset_draft(make_password_reset_requested)
    assert draft.template == PASSWORD_RESET
    assert draft.to_address == "Jane Doe <jane@customer.example>"
    assert draft.subject == "Reset your password: Demo Landscaping"
    assert draft.reply_to is None and from_address(MAIL_FROM, draft.from_name) == MAIL_FROM


def test_the_reset_email_carries_the_link_its_lifetime_and_reassurance(make_password_reset_requested, renderer):
    draft, data = reset_draft(make_password_reset_requested)
    rendered = renderer.render(draft)
    for body in (rendered.text_body, rendered.html_body):
        assert "Demo Landscaping" in body
        assert "This link works once and expires in 1 hour." in body
        assert "If you did not ask for this, ignore this email; your password is unchanged." in body
    assert data["link"] in rendered.text_body
    assert f'<a href="{data["link"]}"' in rendered.html_body


def test_the_reset_email_escapes_the_company_name_in_html(make_password_reset_requested, renderer):
    draft, _ = reset_draft(make_password_reset_requested, company_name="<Acme & Sons>", to_name="<Jane>")
    rendered = renderer.render(draft)
    assert "&lt;Acme &amp; Sons&gt;" in rendered.html_body and "<Acme & Sons>" not in rendered.html_body
    assert "Hello &lt;Jane&gt;," in rendered.html_body
    assert "<Acme & Sons>" in rendered.text_body


def test_a_reset_link_that_is_not_a_web_link_is_refused(make_password_reset_requested):
    with pytest.raises(UnsafeEventData):
        reset_draft(make_password_reset_requested, link="data:text/html,<script>alert(1)</script>")


@pytest.mark.parametrize("duration, words", [
    (timedelta(hours=1), "1 hour"),
    (timedelta(minutes=30), "30 minutes"),
    (timedelta(minutes=1), "1 minute"),
    (timedelta(minutes=90), "90 minutes"),
    (timedelta(hours=2), "2 hours"),
    (timedelta(hours=5, minutes=20), "5 hours"),
    (timedelta(days=1), "1 day"),
    (timedelta(days=30), "30 days"),
    (timedelta(hours=1, seconds=2), "1 hour"),
    (timedelta(0), "a few moments"),
])
def test_lifetimes_read_as_words(duration, words):
    assert duration_in_words(duration) == words


# -- password_changed ------------------------------------------------------------------------

def test_a_password_changed_email_says_when_that_sessions_ended_and_what_to_do(make_password_changed, renderer):
    data = make_password_changed(changed_at="2025-05-01T09:30:00-05:00").data
    draft = password_changed_email(data)
    assert draft.template == PASSWORD_CHANGED
    assert draft.to_address == "Jane Doe <jane@customer.example>"
    assert draft.subject == "Your password was changed: Demo Landscaping"
    assert draft.reply_to is None
    rendered = renderer.render(draft)
    for body in (rendered.text_body, rendered.html_body):
        assert "was changed on 1 May 2025 at 14:30 UTC." in body
        assert "every session was signed out" in body
        assert "Forgot Password" in body
        assert "contact Demo Landscaping" in body
    assert "http://demo.localhost:8080" in rendered.text_body
    assert '<a href="http://demo.localhost:8080"' in rendered.html_body


def test_a_reset_password_says_it_was_reset(make_password_changed, renderer):
    rendered = renderer.render(password_changed_email(make_password_changed(how="reset").data))
    assert "was reset with a password reset link on" in rendered.text_body


def test_the_password_changed_email_escapes_names_in_html(make_password_changed, renderer):
    rendered = renderer.render(password_changed_email(make_password_changed(company_name="<Acme & Sons>").data))
    assert "&lt;Acme &amp; Sons&gt;" in rendered.html_body and "<Acme & Sons>" not in rendered.html_body


def test_a_portal_url_that_is_not_a_web_link_is_refused(make_password_changed):
    with pytest.raises(UnsafeEventData):
        password_changed_email(make_password_changed(portal_url="javascript:alert(1)").data)
