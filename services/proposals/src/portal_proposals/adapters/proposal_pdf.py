"""The proposal as a PDF (View Proposal): an HTML/CSS template in `templates/proposal_pdf.html`, laid out
by WeasyPrint (portal_shared.pdf). The letterhead carries the company and branch names from the gateway's
signed identity token (proposals keeps no branding of its own); the rest is the proposal as
`service_layer.proposals.customer_proposal` reads it (so the branch's lump-sum and phone settings hold
in the PDF too).
"""
from __future__ import annotations

from typing import Any

from portal_shared.pdf import document_templates, render_pdf

_templates = document_templates("portal_proposals")


def proposal_html(proposal: dict[str, Any], *, company: str, branch: str) -> str:
    """The proposal as the HTML page WeasyPrint lays out (also what the tests read: a PDF's text is glyphs)."""
    return _templates.get_template("proposal_pdf.html").render(proposal=proposal, company=company, branch=branch)


def proposal_pdf(proposal: dict[str, Any], *, company: str, branch: str) -> bytes:
    return render_pdf(proposal_html(proposal, company=company, branch=branch))
