"""The invitation email template: [CustomerPortalLink] is required, and rendering replaces every token."""
from __future__ import annotations

from portal_identity.domain.invitations import (DEFAULT_BODY, DEFAULT_SUBJECT, TOKENS, InvitationTemplate, render,
                                                template_errors, token_values)


def test_the_default_template_is_complete_and_uses_the_link_token():
    assert template_errors(InvitationTemplate(subject=DEFAULT_SUBJECT, body=DEFAULT_BODY)) == {}
    assert "[CustomerPortalLink]" in DEFAULT_BODY


def test_a_body_without_the_customer_portal_link_is_an_error_on_body_naming_the_token():
    errors = template_errors(InvitationTemplate(subject="Welcome", body="Hello [ContactFirstName], come see us."))
    assert list(errors) == ["body"]
    assert "[CustomerPortalLink]" in errors["body"][0]


def test_an_empty_subject_is_an_error_on_subject():
    errors = template_errors(InvitationTemplate(subject="   ", body="Join: [CustomerPortalLink]"))
    assert list(errors) == ["subject"]


def test_the_offered_tokens_are_the_six_documented_ones():
    assert set(TOKENS) == {"[ContactName]", "[ContactFirstName]", "[CustomerPortalLink]", "[CompanyName]",
                           "[BranchName]", "[SenderName]"}


def test_render_substitutes_every_token_wherever_and_however_often_it_appears():
    values = token_values(contact_first="Camilla", contact_last="Sailor", link="http://demo.localhost/invitation/t0k",
                          company="Demo Landscaping", branch="St. Louis", sender="Sam Ortiz")
    text = " | ".join(TOKENS) + " | again: [ContactName] [CustomerPortalLink]"
    rendered = render(text, values)
    assert not any(token in rendered for token in TOKENS)
    assert rendered == ("Camilla Sailor | Camilla | http://demo.localhost/invitation/t0k | Demo Landscaping | "
                        "St. Louis | Sam Ortiz | again: Camilla Sailor http://demo.localhost/invitation/t0k")


def test_a_contact_without_a_name_is_greeted_as_customer():
    values = token_values(contact_first="", contact_last="", link="L", company="C", branch="B", sender="S")
    assert render("[ContactName]/[ContactFirstName]", values) == "Customer/Customer"
