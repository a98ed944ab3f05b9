"""The signed proposal as a PDF (before the seal): what was accepted, the signature image, and the
certificate page with the audit trail — an HTML/CSS template (`templates/signed_proposal.html`) laid
out by WeasyPrint, as billing lays out invoices. `service_layer.signing` hands it the document."""
from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from portal_shared.money import dollars

_templates = Environment(loader=PackageLoader("portal_proposals", "templates"), autoescape=select_autoescape(["html"]),
                         trim_blocks=True, lstrip_blocks=True)


def short_date(value: Any) -> str:
    return value.strftime("%m/%d/%y") if hasattr(value, "strftime") else str(value or "")


def utc(value: Any) -> str:
    """A time as the certificate prints it: 2026-11-30 04:18:48 UTC."""
    if not isinstance(value, datetime):
        return str(value or "")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


_templates.filters.update(dollars=dollars, short_date=short_date, utc=utc)


def signed_proposal_html(document: dict[str, Any]) -> str:
    mark = document["mark"]
    src = "data:image/png;base64," + base64.b64encode(mark.png).decode() if mark.png else ""
    return _templates.get_template("signed_proposal.html").render(doc=document, signature_src=src)


def signed_proposal_pdf(document: dict[str, Any]) -> bytes:
    from PIL import ImageFile
    from weasyprint import HTML

    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint's import turns it on; keep Pillow strict (see billing)
    return HTML(string=signed_proposal_html(document)).write_pdf()
