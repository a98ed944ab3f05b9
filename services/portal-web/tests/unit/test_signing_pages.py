"""Select & Sign and the verify page (seed 003 "Signature Pad"; issue 9) against the proposals double, which
judges marks and chosen services with proposals' own rules: the pad's parts and labels, the total with the
optional services ticked, the external scripts (no inline script under the CSP), signing once, the refusals
(403, 409, 422) as pages, and the verify answer."""
from __future__ import annotations

import base64
import re

from markupsafe import escape

from portal_proposals.domain import evidence as evidence_rules

DOT = "data:image/png;base64," + base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360f8cfc0f01f0005000201a5d1c5a40000000049454e44ae426082")).decode()


def token(html: str) -> str:
    form = re.search(r'<form method="post" action="/proposals/[^"]+"(.*?)</form>', html, re.S).group(1)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)


def sign_page(client, headers, proposal_id):
    response = client.get(f"/proposals/{proposal_id}/sign", headers=headers)
    return response, response.get_data(as_text=True)


def test_the_pad_shows_the_number_the_optional_services_the_total_the_disclosure_and_accept_and_sign(
        client, as_customer, services):
    response, html = sign_page(client, as_customer, services.proposal_ids["88"])
    assert response.status_code == 200
    assert "<h1 class=\"dashboard__title\">Select &amp; Sign</h1>" in html and "Proposal #88" in html
    assert re.search(r'value="Irrigation Audit"\s+data-amount-cents="35000"', html)
    assert re.search(r'<output id="sign-total" data-price-cents="4457933"[^>]*>\$44,579\.33</output>', html)
    assert str(escape(evidence_rules.consent_text(evidence_rules.CURRENT_CONSENT))) in html
    assert f'value="{evidence_rules.CURRENT_CONSENT}"' in html
    assert 'aria-label="Signature area"' in html and "Type your full name" in html
    assert ">Accept &amp; Sign</button>" in html and ">Cancel</a>" in html
    sheet_call = next(c for c in services.called("proposals") if c.get("path", "").endswith("/signing"))
    assert sheet_call["args"]["showing"] == ["true"]     # the pad is shown: the disclosure goes on the trail


def test_the_pad_runs_on_our_own_scripts_only(client, as_customer, services):
    response, html = sign_page(client, as_customer, services.proposal_ids["88"])
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=\"/static/" in s for s in scripts)
    assert "/static/vendor/signature_pad/signature_pad.umd.min.js?v=" in html and "/static/js/proposal-sign.js" in html
    assert not re.search(r"\son[a-z]+=", html)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.get("/static/vendor/signature_pad/signature_pad.umd.min.js").status_code == 200


def test_accept_and_sign_with_a_typed_name_and_the_audit_signs_once_then_confirms(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    _, html = sign_page(client, as_customer, proposal_id)
    assert re.search(r'name="version"[^>]*value="1"', html)
    form = {"csrf_token": token(html), "version": "1", "consent_version": evidence_rules.CURRENT_CONSENT,
            "consent_accepted": "y", "mark_kind": "typed", "typed_name": "Pat Doe",
            "optional_service": ["Irrigation Audit"]}
    response = client.post(f"/proposals/{proposal_id}/sign", headers=as_customer, data=form)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/proposals/{proposal_id}/signed")
    sent = services.signatures[proposal_id]["request"]
    assert sent == {"version": 1, "optional_services": ["Irrigation Audit"], "consent_version": evidence_rules.CURRENT_CONSENT,
                    "consent_accepted": True, "mark_kind": "typed", "mark": "Pat Doe"}
    call = services.called("proposals")[-1]
    assert call["headers"].get("X-Portal-Client-User-Agent")
    confirmation = client.get(f"/proposals/{proposal_id}/signed", headers=as_customer).get_data(as_text=True)
    assert "Proposal #88 is signed" in confirmation and "$44,929.33" in confirmation
    assert 'href="/">Home</a>' in confirmation and f"/api/proposals/proposals/{proposal_id}/signed.pdf" in confirmation
    again = client.get(f"/proposals/{proposal_id}/sign", headers=as_customer)
    assert again.status_code == 303 and again.headers["Location"].endswith("/signed")
    told = client.get(f"/proposals/{proposal_id}/signed", headers=as_customer).get_data(as_text=True)
    assert "This proposal is already signed." in told


def test_a_drawn_signature_goes_as_the_pads_png(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    _, html = sign_page(client, as_customer, proposal_id)
    client.post(f"/proposals/{proposal_id}/sign", headers=as_customer, data={
        "csrf_token": token(html), "consent_version": evidence_rules.CURRENT_CONSENT, "consent_accepted": "y",
        "mark_kind": "drawn", "mark": DOT})
    assert services.signatures[proposal_id]["request"]["mark"] == DOT


def test_without_a_mark_or_the_consent_nothing_is_signed_and_the_page_says_why(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    _, html = sign_page(client, as_customer, proposal_id)
    base = {"csrf_token": token(html), "consent_version": evidence_rules.CURRENT_CONSENT}
    no_consent = client.post(f"/proposals/{proposal_id}/sign", headers=as_customer,
                             data={**base, "mark_kind": "typed", "typed_name": "Pat Doe"})
    assert no_consent.status_code == 422 and "Agree to sign electronically" in no_consent.get_data(as_text=True)
    no_mark = client.post(f"/proposals/{proposal_id}/sign", headers=as_customer,
                          data={**base, "consent_accepted": "y", "mark_kind": "typed", "typed_name": ""})
    assert no_mark.status_code == 422 and "type your full name" in no_mark.get_data(as_text=True)
    bad_mark = client.post(f"/proposals/{proposal_id}/sign", headers=as_customer,
                           data={**base, "consent_accepted": "y", "mark_kind": "drawn", "mark": "data:image/png;base64,AAAA"})
    assert bad_mark.status_code == 422 and "could not be read" in bad_mark.get_data(as_text=True)
    assert services.signatures == {}


def test_signed_already_and_not_a_signer_are_pages_not_errors(client, as_customer, services):
    proposal_id = services.proposal_ids["88"]
    _, html = sign_page(client, as_customer, proposal_id)
    form = {"csrf_token": token(html), "consent_version": evidence_rules.CURRENT_CONSENT, "consent_accepted": "y",
            "mark_kind": "typed", "typed_name": "Pat Doe"}
    services.signatures[proposal_id] = {"signer_name": "Someone Else", "signed_at": "2026-11-30T04:00:00+00:00",
                                        "total_cents": 4457933, "chosen_optional_services": [],
                                        "signed_pdf_sha256": "cd" * 32}
    second = client.post(f"/proposals/{proposal_id}/sign", headers=as_customer, data=form)
    assert second.status_code == 303   # the sheet already says signed: to the confirmation, told so
    assert "This proposal is already signed." in client.get(second.headers["Location"], headers=as_customer
                                                            ).get_data(as_text=True)
    refused = client.get(f"/proposals/{services.proposal_ids['15']}/sign", headers=as_customer)
    assert refused.status_code == 403 and "can no longer be signed" in refused.get_data(as_text=True)
    missing = client.get(f"/proposals/{services.proposal_ids['not mine']}/sign", headers=as_customer)
    assert missing.status_code == 404


def test_the_verify_page_says_verified_or_not(client, as_customer, services):
    from io import BytesIO

    page = client.get("/proposals/verify", headers=as_customer).get_data(as_text=True)
    assert "Signed proposal (PDF)" in page and 'enctype="multipart/form-data"' in page
    csrf = token(page)
    good = client.post("/proposals/verify", headers=as_customer, content_type="multipart/form-data",
                       data={"csrf_token": csrf, "file": (BytesIO(services.sealed_pdf), "p.pdf")})
    assert good.status_code == 200 and 'data-verify-result="verified"' in good.get_data(as_text=True)
    bad = client.post("/proposals/verify", headers=as_customer, content_type="multipart/form-data",
                      data={"csrf_token": csrf, "file": (BytesIO(b"%PDF-1.7 something else"), "p.pdf")})
    text = bad.get_data(as_text=True)
    assert 'data-verify-result="not-verified"' in text and "changed after it was sealed" in text
    empty = client.post("/proposals/verify", headers=as_customer, data={"csrf_token": csrf})
    assert empty.status_code == 422 and "Choose the PDF to check." in empty.get_data(as_text=True)


def test_two_at_once_the_second_is_told_it_is_already_signed(client, as_customer, services):
    """The sheet said unsigned, then proposals answered 409 already_signed: another request signed first."""
    proposal_id = services.proposal_ids["88"]
    _, html = sign_page(client, as_customer, proposal_id)
    form = {"csrf_token": token(html), "consent_version": evidence_rules.CURRENT_CONSENT, "consent_accepted": "y",
            "mark_kind": "typed", "typed_name": "Pat Doe"}
    services.race_signature = {"signer_name": "Someone Else", "signed_at": "2026-11-30T04:00:00+00:00",
                               "total_cents": 4457933, "chosen_optional_services": [], "signed_pdf_sha256": "cd" * 32}
    response = client.post(f"/proposals/{proposal_id}/sign", headers=as_customer, data=form)
    assert response.status_code == 303 and response.headers["Location"].endswith("/signed")
    confirmation = client.get(response.headers["Location"], headers=as_customer).get_data(as_text=True)
    assert "This proposal is already signed." in confirmation and "Someone Else signed Proposal #88" in confirmation
