"""billing's HTTP API beside the kit's /summary: the back office's invoices and credits (API key,
scope `invoices:write`) and the signed-in customer's invoices."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from portal_billing.adapters.orm import EXTERNAL_ID_LENGTH
from portal_billing.entrypoints import schemas as s
from portal_billing.service_layer import invoices as service
from portal_shared.web.auth import current_integration, require_integration

integration = Blueprint("billing_integration", __name__, url_prefix="/integration",
                        description="For the back office: invoices, their payments, and credits (API key).")

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
