"""A document served as the customer's PDF (View Invoice, View Proposal): the letterhead names the
company and branch of the gateway's signed token (feature services keep no branding), and the
response is inline, never cached."""
from __future__ import annotations

from flask import Response, g


def letterhead() -> tuple[str, str]:
    """(company, branch) as the gateway's token names them."""
    claims = g.get("identity") or {}
    return (str(claims.get("company_name") or claims.get("branch_slug") or ""),
            str(claims.get("branch_name") or ""))


def pdf_response(pdf: bytes, *, kind: str, number: str) -> Response:
    """`inline; filename="<kind>-<number>.pdf"`, the number reduced to letters, digits, - and _."""
    safe = "".join(c for c in str(number) if c.isalnum() or c in "-_") or kind
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{kind}-{safe}.pdf"', "Cache-Control": "no-store"})
