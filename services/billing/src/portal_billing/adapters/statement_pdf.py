"""The account statement as a PDF (`templates/statement_pdf.html`), laid out by WeasyPrint and branded as
the invoice is (adapters/invoice_pdf.py: the company and branch names of the gateway's signed token)."""
from __future__ import annotations

from typing import Any

from portal_billing.adapters.invoice_pdf import _templates
from portal_shared.pdf import render_pdf


def statement_html(document: dict[str, Any], *, company: str, branch: str) -> str:
    """The statement as the HTML page WeasyPrint lays out (also what the tests read)."""
    return _templates.get_template("statement_pdf.html").render(
        property=document["property"], statement=document["statement"],
        unapplied=document["unapplied_credits"], company=company, branch=branch)


def statement_pdf(document: dict[str, Any], *, company: str, branch: str) -> bytes:
    return render_pdf(statement_html(document, company=company, branch=branch))
