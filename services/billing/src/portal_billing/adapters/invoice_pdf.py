"""The invoice as a PDF (seed 002's sample, "View Invoice"): an HTML/CSS template in
`templates/invoice_pdf.html`, laid out by WeasyPrint (portal_shared.pdf). The header carries the company and branch names from the gateway's
signed identity token (billing keeps no branding of its own); the rest is the invoice as
`service_layer.invoices.customer_invoice` reads it.
"""
from __future__ import annotations

from typing import Any

from portal_shared.pdf import document_templates, render_pdf

_templates = document_templates("portal_billing")


def invoice_html(invoice: dict[str, Any], *, company: str, branch: str) -> str:
    """The invoice as the HTML page WeasyPrint lays out (also what the tests read: a PDF's text is glyphs)."""
    services = invoice.get("services") or []
    names = {o.get("number"): o.get("name") for o in invoice.get("opportunities") or []}
    groups = []
    for number in dict.fromkeys(s.get("opportunity_number") for s in services):
        group = [s for s in services if s.get("opportunity_number") == number]
        groups.append({"title": f"#{number} - {names.get(number) or group[0].get('name')}", "services": group,
                       "extended_cents": sum(_extended(s) for s in group),
                       "tax_cents": sum(int(s.get("sales_tax_cents") or 0) for s in group),
                       "total_cents": sum(int(s.get("total_cents") or 0) for s in group)})
    return _templates.get_template("invoice_pdf.html").render(
        invoice=invoice, company=company, branch=branch, groups=groups, extended=_extended,
        totals={"extended_cents": sum(g["extended_cents"] for g in groups),
                "tax_cents": sum(g["tax_cents"] for g in groups)})


def _extended(service: dict[str, Any]) -> int:
    """A service's price before tax: its total less its sales tax (the back office's figures)."""
    return int(service.get("total_cents") or 0) - int(service.get("sales_tax_cents") or 0)


def invoice_pdf(invoice: dict[str, Any], *, company: str, branch: str) -> bytes:
    return render_pdf(invoice_html(invoice, company=company, branch=branch))
