"""Which email a new branch produces, and how its templates render."""
from __future__ import annotations

import pytest

from portal_notifications.adapters.templates import EmailRenderer
from portal_notifications.domain.emails import PORTAL_LIVE, UnsafeEventData, portal_live_email


@pytest.fixture(scope="module")
def renderer() -> EmailRenderer:
    return EmailRenderer()


def test_the_email_goes_to_the_company_contact_with_a_clear_subject(make_branch_created):
    data = make_branch_created(company_contact_email="owner@acme.example", name="North Branch").data
    draft = portal_live_email(data)
    assert draft is not None
    assert draft.template == PORTAL_LIVE
    assert draft.to_address == "owner@acme.example"
    assert draft.subject == "Your customer portal is live: North Branch"


@pytest.mark.parametrize("contact", [None, "", "   "])
def test_a_company_without_contact_address_gets_no_email(make_branch_created, contact):
    data = make_branch_created().data
    data["company_contact_email"] = contact
    assert portal_live_email(data) is None


def test_a_portal_url_that_is_not_a_web_link_is_refused(make_branch_created):
    data = make_branch_created().data
    data["portal_url"] = "javascript:alert(1)"
    with pytest.raises(UnsafeEventData):
        portal_live_email(data)


def test_line_breaks_in_the_branch_name_cannot_reach_the_subject(make_branch_created):
    draft = portal_live_email(make_branch_created(name="North\r\nBcc: victim@example.com").data)
    assert "\n" not in draft.subject and "\r" not in draft.subject


def test_both_bodies_name_company_and_branch_and_carry_the_portal_url(make_branch_created, renderer):
    data = make_branch_created(company_name="Green Acres", name="North Branch",
                               portal_url="http://north.localhost:8080")
    rendered = renderer.render(portal_live_email(data.data))
    assert rendered.subject == "Your customer portal is live: North Branch"
    for body in (rendered.text_body, rendered.html_body):
        assert "http://north.localhost:8080" in body
        assert "Green Acres" in body
        assert "North Branch" in body
        assert "pay invoices" in body
    assert '<a href="http://north.localhost:8080"' in rendered.html_body
    assert "<title>Your customer portal is live: North Branch</title>" in rendered.html_body


def test_html_escapes_the_company_name_and_text_keeps_it_as_written(make_branch_created, renderer):
    data = make_branch_created(company_name="<Acme & Sons>", name="<b>North</b>")
    rendered = renderer.render(portal_live_email(data.data))
    assert "&lt;Acme &amp; Sons&gt;" in rendered.html_body
    assert "<Acme & Sons>" not in rendered.html_body
    assert "&lt;b&gt;North&lt;/b&gt;" in rendered.html_body
    assert "<Acme & Sons>" in rendered.text_body
    assert "&amp;" not in rendered.text_body


def test_a_missing_template_value_is_an_error_not_a_blank(make_branch_created, renderer):
    draft = portal_live_email(make_branch_created().data)
    incomplete = type(draft)(template=draft.template, to_address=draft.to_address, subject=draft.subject,
                             context={k: v for k, v in draft.context.items() if k != "company_name"})
    with pytest.raises(Exception, match="company_name"):
        renderer.render(incomplete)
