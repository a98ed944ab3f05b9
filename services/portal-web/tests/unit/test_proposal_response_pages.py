"""Decline and Request Changes (issue 9 part 6) against the proposals double, which judges the comment with
proposals' own rule: the buttons on a Pending proposal for a contact who may sign, the small form (CSRF, no
script), the comment sent once, the proposal then showing the status and the comment, and the refusals as
pages."""
from __future__ import annotations

import re

import pytest


def token(html: str) -> str:
    form = re.search(r'<form method="post" action="/proposals/[^"]+"(.*?)</form>', html, re.S).group(1)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)


def test_a_pending_proposal_offers_decline_and_request_changes_to_a_signer(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    html = client.get(f"/proposals/{proposal_id}", headers=as_customer).get_data(as_text=True)
    assert f'href="/proposals/{proposal_id}/decline">Decline</a>' in html
    assert f'href="/proposals/{proposal_id}/request-changes">Request Changes</a>' in html
    for number in ("15", "91"):   # Accepted, Rejected: nothing to answer
        other = client.get(f"/proposals/{services.proposal_ids[number]}", headers=as_customer).get_data(as_text=True)
        assert ">Decline</a>" not in other and ">Request Changes</a>" not in other


@pytest.mark.parametrize("action, title, label, status, thanks", [
    ("decline", "Decline", "Why are you declining this proposal?", "Declined",
     "We told your service contact that you declined this proposal."),
    ("request-changes", "Request Changes", "What would you like changed?", "Changes Requested",
     "We sent your requested changes to your service contact."),
])
def test_the_form_sends_the_comment_once_and_the_proposal_shows_it(client, as_customer, services, action, title,
                                                                   label, status, thanks):
    proposal_id = services.proposal_ids["88"]
    page = client.get(f"/proposals/{proposal_id}/{action}", headers=as_customer)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'<h1 class="dashboard__title">{title}</h1>' in html and "Proposal #88" in html
    assert f">{label}</label>" in html and f'>{title}</button>' in html and ">Cancel</a>" in html
    assert "<script>" not in html and not re.search(r"\son[a-z]+=", html)
    response = client.post(f"/proposals/{proposal_id}/{action}", headers=as_customer, data={
        "csrf_token": token(html), "version": "1", "comment": "  Split the mulch <b>work</b>.  "})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/proposals/{proposal_id}")
    assert services.responses[proposal_id]["request"] == {"version": 1, "comment": "Split the mulch <b>work</b>."}
    shown = client.get(f"/proposals/{proposal_id}", headers=as_customer).get_data(as_text=True)
    assert f">{status.upper()}</span>" in shown and thanks in shown
    assert f'<h2 id="response-heading">{status}</h2>' in shown
    assert "Split the mulch &lt;b&gt;work&lt;/b&gt;." in shown
    assert "Select &amp; Sign" not in shown and ">Decline</a>" not in shown
    listed = client.get("/proposals", headers=as_customer).get_data(as_text=True)
    assert f'class="status status--{status.lower().replace(" ", "-")}">{status.upper()}</span>' in listed
    pending = client.get("/proposals?show=pending", headers=as_customer).get_data(as_text=True)
    assert "Proposal #88" not in pending
    again = client.get(f"/proposals/{proposal_id}/{action}", headers=as_customer)
    assert again.status_code == 409 and "You already answered this proposal." in again.get_data(as_text=True)


def test_an_empty_comment_is_refused_and_nothing_is_sent(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    html = client.get(f"/proposals/{proposal_id}/decline", headers=as_customer).get_data(as_text=True)
    response = client.post(f"/proposals/{proposal_id}/decline", headers=as_customer,
                           data={"csrf_token": token(html), "version": "1", "comment": ""})
    assert response.status_code == 422 and "Tell us why, in a few words." in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert services.responses == {}


def test_a_blank_comment_is_refused_by_proposals_and_shown_on_the_field(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    html = client.get(f"/proposals/{proposal_id}/decline", headers=as_customer).get_data(as_text=True)
    response = client.post(f"/proposals/{proposal_id}/decline", headers=as_customer,
                           data={"csrf_token": token(html), "version": "1", "comment": "   "})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="comment-error"' in body and "Tell us why, in a few words." in body
    assert services.responses == {}


def test_without_the_csrf_token_nothing_is_sent(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    response = client.post(f"/proposals/{proposal_id}/decline", headers=as_customer,
                           data={"version": "1", "comment": "No thanks."})
    assert response.status_code in (400, 422) and services.responses == {}


def test_a_proposal_that_cannot_be_answered_is_a_page_not_a_form(client, as_customer, services):
    response = client.get(f"/proposals/{services.proposal_ids['15']}/decline", headers=as_customer)
    assert response.status_code == 403 and "can no longer be declined" in response.get_data(as_text=True)
    assert client.get(f"/proposals/{services.proposal_ids['not mine']}/decline", headers=as_customer).status_code == 404
