"""The invoice PDF's page (adapters/invoice_pdf.py): what the sample in seed 002 prints, read from the
HTML WeasyPrint lays out (a PDF's text is glyphs), and a real PDF from it."""
from __future__ import annotations

import datetime as dt
import re

from portal_billing.adapters.invoice_pdf import invoice_html, invoice_pdf

INVOICE_18 = {
    "id": "i-18", "number": "18", "title": "Invoice #18", "invoice_date": dt.date(2024, 8, 29),
    "due_date": dt.date(2024, 11, 27), "terms": "Net 90", "total_cents": 23_870, "balance_cents": 23_870,
    "property": {"name": "Tar Valon Towers", "street": "515 Warnock", "city": "Columbia", "state": "IL",
                 "zip": "62236"},
    "billing_contact": {"first_name": "April", "last_name": "Malmba", "email": "april@example.com"},
    "opportunities": [{"number": "56", "name": "Irrigation Inspections"}, {"number": "58", "name": "Irrigation Repair"}],
    "services": [
        {"opportunity_number": "56", "name": "Irrigation Inspection", "sales_tax_cents": 0, "total_cents": 20_670,
         "lines": [{"quantity": "3.18", "item": "Lead Tech - 08/28/24", "unit_price_cents": 6_500,
                    "extended_price_cents": 20_670}]},
        {"opportunity_number": "58", "name": "IR- Irrigation Repair - Emergency", "sales_tax_cents": 0,
         "total_cents": 3_200,
         "lines": [{"quantity": "2.00", "item": '1" Poly Pipe (Material)', "unit_price_cents": 100,
                    "extended_price_cents": 200},
                   {"quantity": "5.00", "item": '6" Pop Up Spray Head (Material)', "unit_price_cents": 600,
                    "extended_price_cents": 3_000}]},
    ],
}


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#34;", '"')


def test_the_page_has_the_samples_header_parties_amount_due_and_table_by_opportunity():
    page = text(invoice_html(INVOICE_18, company="Green Acres Landscaping", branch="North Branch"))
    assert "Green Acres Landscaping North Branch INVOICE" in page
    assert "Date Invoice No. 08/29/24 18 Terms Due Date Net 90 11/27/24" in page
    assert "BILL TO PROPERTY April Malmba april@example.com Tar Valon Towers 515 Warnock Columbia, IL 62236" in page
    assert "Amount Due Enclosed $238.70" in page
    assert "QTY ITEM UNIT PRICE EXT PRICE SALES TAX LINE TOTAL" in page
    assert ("#56 - Irrigation Inspections $206.70 $0.00 $206.70 Irrigation Inspection $206.70 $0.00 $206.70 "
            "3.18 Lead Tech - 08/28/24 $65.00 $206.70") in page
    assert ("#58 - Irrigation Repair $32.00 $0.00 $32.00 IR- Irrigation Repair - Emergency $32.00 $0.00 $32.00 "
            '2.00 1" Poly Pipe (Material) $1.00 $2.00 5.00 6" Pop Up Spray Head (Material) $6.00 $30.00') in page
    assert "Total $238.70 $0.00 $238.70" in page and "Balance" not in page


def test_a_partly_paid_invoice_shows_what_is_left_to_pay():
    page = text(invoice_html({**INVOICE_18, "balance_cents": 3_870}, company="Green Acres", branch=""))
    assert "Amount Due Enclosed $38.70" in page
    assert "Payments and credits -$200.00 Balance $38.70" in page


def test_names_from_the_back_office_are_escaped():
    html = invoice_html({**INVOICE_18, "property": {"name": "<script>x</script>"}}, company="<b>", branch="")
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html.split("</style>")[1]


def test_weasyprint_lays_it_out_as_a_pdf():
    pdf = invoice_pdf(INVOICE_18, company="Green Acres Landscaping", branch="North Branch")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5_000


def test_rendering_a_pdf_leaves_pillows_strict_default_for_truncated_images():
    from PIL import ImageFile

    from portal_shared.pdf import _weasyprint_html

    _weasyprint_html()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
