"""The proposal PDF's page, read as HTML (a PDF's text is glyphs): the seeds' facts, the branch's lump sum
and phone settings as the detail applied them, and the back office's names escaped."""
from __future__ import annotations

from datetime import date

from portal_proposals.adapters.proposal_pdf import proposal_html, proposal_pdf

PROPOSAL_88 = {
    "number": "88", "title": "Proposal #88: Major Landscaping Project 2024", "type": "Work Order", "version": 1,
    "sent_date": date(2025, 3, 18), "start_date": date(2025, 4, 9), "price_cents": 4_457_933,
    "total_cents": 4_457_933, "show_service_details": True,
    "property": {"name": "Tar Valon Towers", "street": "515 Warnock", "city": "Columbia", "state": "Illinois",
                 "zip": "62236"},
    "services": [{"name": "Mulch Install", "visits": 1, "amount_cents": 4_074_960},
                 {"name": "Plant Installation", "visits": 1, "amount_cents": 213_500}],
    "optional_services": [{"name": "Irrigation Audit", "visits": 1, "amount_cents": 35_000}],
    "sales_rep": {"name": "Morgan Reyes", "title": "Sales Representative", "email": "rep@example.com",
                  "phone": "(314) 555-0142"},
}


def test_the_page_carries_the_letterhead_facts_services_and_total():
    html = proposal_html(PROPOSAL_88, company="Demo Landscaping", branch="St. Louis")
    for text in ("Demo Landscaping", "St. Louis", "Proposal #88: Major Landscaping Project 2024", "03/18/2025",
                 "Tar Valon Towers", "Columbia, Illinois 62236", "Mulch Install", "$40,749.60", "Irrigation Audit",
                 "$350.00", "$44,579.33", "Morgan Reyes", "(314) 555-0142"):
        assert text in html, text


def test_the_lump_sum_hides_the_lines():
    html = proposal_html({**PROPOSAL_88, "show_service_details": False, "services": []}, company="c", branch="")
    assert "Mulch Install" not in html and "$44,579.33" in html


def test_names_from_the_back_office_are_escaped():
    html = proposal_html({**PROPOSAL_88, "title": "<script>x</script>"}, company="<b>", branch="")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_weasyprint_lays_it_out_as_a_pdf():
    assert proposal_pdf(PROPOSAL_88, company="Demo Landscaping", branch="St. Louis").startswith(b"%PDF-")


def test_the_same_proposal_renders_to_the_same_bytes():
    """Signing records the SHA-256 of the PDF the customer saw: rendering it again must give the same file."""
    first = proposal_pdf(PROPOSAL_88, company="Demo Landscaping", branch="St. Louis")
    assert proposal_pdf(PROPOSAL_88, company="Demo Landscaping", branch="St. Louis") == first
    assert proposal_pdf({**PROPOSAL_88, "price_cents": 1}, company="Demo Landscaping", branch="St. Louis") != first
