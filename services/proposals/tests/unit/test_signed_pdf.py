"""The signed PDF's own pages (adapters/signed_pdf.py): what was accepted, the signature, and the
certificate page with the audit trail; the whole document lays out after the proposal's own pages."""
from __future__ import annotations

import base64
from datetime import UTC, date, datetime

from portal_proposals.adapters.signed_pdf import signed_proposal_html, signed_proposal_pdf
from portal_proposals.domain import evidence as rules
from portal_proposals.service_layer.evidence import ClientContext
from portal_proposals.service_layer.signing import Signer

DOT = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNg+M/AwAAFAAIBpdHFpAAAAABJRU5ErkJggg==")
AT = datetime(2026, 11, 30, 4, 18, 48, tzinfo=UTC)


def document(mark=rules.Mark(rules.DRAWN, png=DOT)) -> dict:
    offered = [{"name": "Seasonal Color Rotation", "visits": 2, "amount_cents": 125000},
               {"name": "Irrigation Audit", "visits": 1, "amount_cents": 35000}]
    proposal = {"number": "88", "name": "Major Landscaping Project 2024", "title": "Proposal #88: Major Landscaping "
                "Project 2024", "property": {"name": "Towers", "street": "1 Main", "city": "Columbia", "state": "IL",
                                             "zip": "62236"},
                "type": "Work Order", "sent_date": date(2025, 3, 18), "start_date": None, "price_cents": 4_457_933,
                "services": [{"name": "Mulch Install", "visits": 1, "amount_cents": 4_457_933}],
                "optional_services": offered, "chosen_optional_services": [], "total_cents": 4_457_933,
                "sales_rep": None, "requests": [], "invoices": [], "status": "Pending", "show_service_details": True}
    return {
        "number": "88", "name": "Major Landscaping Project 2024", "type": "Work Order", "version": 1,
        "property": proposal["property"], "sent_on": date(2025, 3, 18), "start_date": None,
        "services": proposal["services"], "price_cents": 4_457_933,
        "chosen": [{"name": "Irrigation Audit", "amount_cents": 35000}], "declined": [offered[0]],
        "total_cents": 4_492_933, "signer": Signer("c-1", "Camilla Sailor", "camilla@example.com"), "signed_at": AT,
        "mark": mark, "consent": {"version": "2026-11", "text": rules.consent_text("2026-11"),
                                  "sha256": rules.consent_sha256("2026-11")},
        "shown_pdf_sha256": "ab" * 32, "context": ClientContext("203.0.113.9", "Mozilla/5.0"), "sales_rep": None,
        "trail": [{"kind": "signed", "label": "Proposal signed", "version": 1, "occurred_at": AT,
                   "signer_name": "Camilla Sailor", "client_address": "203.0.113.9", "details": {"mark": "drawn"}}],
        "proposal": proposal,
    }


def test_the_acceptance_page_shows_the_chosen_services_the_total_and_the_drawn_signature():
    html = signed_proposal_html(document())
    assert "Irrigation Audit" in html and "Added" in html and "Not chosen" in html
    assert "$44,929.33" in html and "$44,579.33" in html
    assert 'src="data:image/png;base64,' in html and 'alt="Signature of Camilla Sailor"' in html


def test_a_typed_signature_is_printed_as_typed():
    html = signed_proposal_html(document(rules.Mark(rules.TYPED, typed_name="Camilla Sailor")))
    assert "Typed signature" in html and "<img" not in html


def test_the_certificate_page_carries_the_trail_the_hashes_and_the_disclosure():
    html = signed_proposal_html(document())
    assert "Certificate of signature" in html and "2026-11-30 04:18:48 UTC" in html
    assert "203.0.113.9" in html and "Mozilla/5.0" in html and "ab" * 32 in html
    assert rules.consent_sha256("2026-11") in html and "Uniform Electronic Transactions Act" in html


def test_the_signed_pdf_is_the_proposals_pages_then_acceptance_and_certificate():
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    pdf = signed_proposal_pdf(document(), company="Green Acres", branch="North")
    assert pdf.startswith(b"%PDF") and len(PdfFileReader(BytesIO(pdf)).root["/Pages"]["/Kids"]) >= 3
