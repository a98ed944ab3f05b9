"""The signed proposal as a PDF (before the seal): the proposal as the customer read it (View Proposal's
pages, adapters/proposal_pdf.py), then what was accepted (services, the optional services chosen, the
total, the signature image) and the certificate page with the audit trail (`templates/signed_proposal.html`),
laid out by WeasyPrint (portal_shared.pdf) as one document. `service_layer.signing` hands it the document;
adapters/pdf_seal.py seals the result.
"""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from portal_proposals.adapters.proposal_pdf import proposal_html
from portal_shared.pdf import document_templates, render_pdf_of_documents


def utc(value: Any) -> str:
    """A time as the certificate prints it: 2026-11-30 04:18:48 UTC."""
    if not isinstance(value, datetime):
        return str(value or "")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


_templates = document_templates("portal_proposals")
_templates.filters.update(utc=utc)


def signed_proposal_html(document: dict[str, Any]) -> str:
    """The acceptance and certificate pages (also what the tests read: a PDF's text is glyphs)."""
    mark = document["mark"]
    src = "data:image/png;base64," + base64.b64encode(mark.png).decode() if mark.png else ""
    return _templates.get_template("signed_proposal.html").render(doc=document, signature_src=src)


def signed_proposal_pdf(document: dict[str, Any], *, company: str, branch: str) -> bytes:
    """The proposal's own pages followed by the acceptance and certificate pages, as one PDF."""
    return render_pdf_of_documents(proposal_html(document["proposal"], company=company, branch=branch),
                                   signed_proposal_html(document))
