"""Documents as PDFs (billing's invoices, proposals' proposals): an HTML/CSS template of the service's
own, laid out by WeasyPrint (which needs Debian's pango: see scripts/ensure-system-libs.sh). What they
share is here: the template environment with the money and date filters, and the layout call.
The web side (the letterhead from the gateway's token, the response) is `portal_shared.web.pdf`.
"""
from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from portal_shared.money import dollars


def short_date(value: Any) -> str:
    """A date as the documents print it: 08/29/24."""
    return value.strftime("%m/%d/%y") if hasattr(value, "strftime") else str(value or "")


def long_date(value: Any) -> str:
    """A date as the portal shows it: 03/18/2025."""
    return value.strftime("%m/%d/%Y") if hasattr(value, "strftime") else str(value or "")


def document_templates(package: str) -> Environment:
    """The package's `templates/` for documents: autoescaped, with `dollars`, `short_date` and `long_date`."""
    env = Environment(loader=PackageLoader(package, "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(dollars=dollars, short_date=short_date, long_date=long_date)
    return env


def _weasyprint_html():
    """WeasyPrint's HTML class, imported on first use (it loads pango, which no other endpoint needs).

    Importing WeasyPrint sets Pillow's process-wide `LOAD_TRUNCATED_IMAGES` to True; the documents
    embed no image, so Pillow's strict default is put back for whatever else shares the process
    (a truncated upload must stay an error everywhere)."""
    from PIL import ImageFile
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # Pillow's own default
    return HTML


def render_pdf(html: str) -> bytes:
    """The HTML page laid out as a PDF."""
    return _weasyprint_html()(string=html).write_pdf()


def render_pdf_of_documents(*htmls: str) -> bytes:
    """Several HTML documents laid out one after the other as one PDF (each keeps its own styles and page
    rules): proposals' signed PDF is the proposal's pages, then its acceptance and certificate pages."""
    html = _weasyprint_html()
    documents = [html(string=h).render() for h in htmls]
    return documents[0].copy([page for document in documents for page in document.pages]).write_pdf()
