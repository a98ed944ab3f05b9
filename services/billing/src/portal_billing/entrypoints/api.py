"""billing's HTTP API beside the kit's /summary: the back office's invoices and credits (API key,
scope `invoices:write`) and the signed-in customer's invoices (their list, one in detail, one as a PDF)."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from portal_billing.adapters.invoice_pdf import invoice_pdf
from portal_billing.adapters.orm import EXTERNAL_ID_LENGTH
from portal_billing.entrypoints import schemas as s
from portal_billing.service_layer import invoices as service
from portal_shared.access.guard import current_customer, require_customer
from portal_shared.access.schemas import requested_properties
from portal_shared.web.pdf import letterhead, pdf_response
from portal_shared.web.auth import current_integration, require_integration
from portal_shared.web.pagination import customer_rows_page

integration = Blueprint("billing_integration", __name__, url_prefix="/integration",
                        description="For the back office: invoices, their payments, and credits (API key).")
customer = Blueprint("invoices", __name__, url_prefix="/", description="A signed-in customer's invoices.")

EXTERNAL_ID = f"string(maxlength={EXTERNAL_ID_LENGTH})"


def _db():
    return current_app.extensions["portal_db"]


@integration.route(f"/invoices/<{EXTERNAL_ID}:external_id>", methods=["PUT"])
@require_integration("invoices:write")
@integration.arguments(s.InvoiceUpsert)
@integration.response(200, s.InvoiceStored)
@integration.alt_response(422, description="A field is invalid or the document does not add up (problem+json "
                                           "naming the field, e.g. services.0.total).")
def put_invoice(body, external_id):
    """Create or replace an invoice by the back office's id (idempotent), with its lines and payments."""
    with _db().unit_of_work() as session:
        return service.upsert_invoice(session, tenant_id=current_integration().tenant_id, external_id=external_id,
                                      doc=body)


@integration.route(f"/credits/<{EXTERNAL_ID}:external_id>", methods=["PUT"])
@require_integration("invoices:write")
@integration.arguments(s.CreditUpsert)
@integration.response(200, s.CreditStored)
def put_credit(body, external_id):
    """Create or replace a credit by the back office's id (idempotent): applied to an invoice, or unapplied."""
    with _db().unit_of_work() as session:
        return service.upsert_credit(session, tenant_id=current_integration().tenant_id, external_id=external_id,
                                     doc=body)


@customer.route("/invoices", methods=["GET"])
@require_customer
@customer.arguments(s.InvoiceQuery, location="query")
@customer.response(200, s.InvoiceRow(many=True))
@customer.paginate()
def list_invoices(query, pagination_parameters):
    """The customer's invoices on the properties they may see (the Property Filter narrows them), newest first;
    X-Pagination's `total` is the "M" of "Show: All N of M"."""
    who = current_customer()
    with _db().unit_of_work() as session:
        rows = customer_rows_page(session, who, requested_properties(query.get("property_id")), pagination_parameters,
                                  lambda property_ids: service.customer_invoice_list(
                                      tenant_id=who.tenant_id, property_ids=property_ids, show=query["show"]))
        return service.list_rows(rows)


@customer.route("/invoices/<uuid:invoice_id>", methods=["GET"])
@require_customer
@customer.response(200, s.InvoiceDetail)
@customer.alt_response(404, description="Not one of the customer's invoices (problem+json).")
def get_invoice(invoice_id):
    """One invoice: property, status, due date, balance and amount, services by opportunity, who may pay."""
    with _db().unit_of_work() as session:
        return service.customer_invoice(session, customer=current_customer(), invoice_id=str(invoice_id))


@customer.route("/invoices/<uuid:invoice_id>/pdf", methods=["GET"])
@require_customer
@customer.doc(responses={200: {"description": "The invoice as a PDF (View Invoice).",
                               "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
@customer.alt_response(404, description="Not one of the customer's invoices (problem+json).")
def get_invoice_pdf(invoice_id):
    """One invoice as the customer's PDF: the same access rule as its detail; the header names the company
    and branch of the gateway's signed token (billing keeps no branding)."""
    with _db().unit_of_work() as session:
        invoice = service.customer_invoice(session, customer=current_customer(), invoice_id=str(invoice_id))
    company, branch = letterhead()
    return pdf_response(invoice_pdf(invoice, company=company, branch=branch), kind="invoice", number=invoice["number"])
