"""proposals' HTTP API beside the kit's /summary: the back office's proposals (API key, scope
`proposals:write`) and the signed-in customer's proposals (their list, one in detail, one as a PDF)."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from portal_proposals.adapters.proposal_pdf import proposal_pdf
from portal_proposals.entrypoints import schemas as s
from portal_proposals.entrypoints.signing_api import client_context
from portal_proposals.service_layer import evidence
from portal_proposals.service_layer import proposals as service
from portal_shared.access.guard import current_customer, require_customer
from portal_shared.access.schemas import requested_properties
from portal_shared.directory import EXTERNAL_ID_LENGTH
from portal_shared.web.auth import current_integration, require_integration
from portal_shared.web.pagination import customer_rows_page
from portal_shared.web.pdf import letterhead, pdf_response

integration = Blueprint("proposals_integration", __name__, url_prefix="/integration",
                        description="For the back office: proposals and their versions (API key).")
customer = Blueprint("proposals", __name__, url_prefix="/", description="A signed-in customer's proposals.")

EXTERNAL_ID = f"string(maxlength={EXTERNAL_ID_LENGTH})"


def _db():
    return current_app.extensions["portal_db"]


@integration.route(f"/proposals/<{EXTERNAL_ID}:external_id>", methods=["PUT"])
@require_integration("proposals:write")
@integration.arguments(s.ProposalUpsert)
@integration.response(200, s.ProposalStored)
@integration.alt_response(422, description="A field is invalid or the document does not add up (problem+json "
                                           "naming the field, e.g. price).")
def put_proposal(body, external_id):
    """Create or update a proposal by the back office's id (idempotent). A sent version never changes: another
    document starts the next version, and a signature pending on the old one is void."""
    with _db().unit_of_work() as session:
        return service.upsert_proposal(session, tenant_id=current_integration().tenant_id,
                                       external_id=external_id, doc=body)


@customer.route("/proposals", methods=["GET"])
@require_customer
@customer.arguments(s.ProposalQuery, location="query")
@customer.response(200, s.ProposalRow(many=True))
@customer.paginate()
def list_proposals(query, pagination_parameters):
    """The customer's proposals on the properties they may see (the Property Filter narrows them); X-Pagination's
    `total` is the "M" of "Show: All N of M"."""
    who = current_customer()
    with _db().unit_of_work() as session:
        rows = customer_rows_page(session, who, requested_properties(query.get("property_id")), pagination_parameters,
                                  lambda property_ids: service.customer_proposal_list(
                                      session, customer=who, property_ids=property_ids, show=query["show"]))
        return service.list_rows(rows)


@customer.route("/proposals/<uuid:proposal_id>", methods=["GET"])
@require_customer
@customer.response(200, s.ProposalDetail)
@customer.alt_response(404, description="Not one of the customer's proposals (problem+json).")
def get_proposal(proposal_id):
    """One proposal: property, status, sent date, price, services (or one lump sum), optional services, total,
    Service Contact, what it is associated with, and whether this customer may sign it."""
    with _db().unit_of_work() as session:
        return service.customer_proposal(session, customer=current_customer(), proposal_id=str(proposal_id))


@customer.route("/proposals/<uuid:proposal_id>/pdf", methods=["GET"])
@require_customer
@customer.doc(responses={200: {"description": "The proposal as a PDF (View Proposal).",
                               "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
@customer.alt_response(404, description="Not one of the customer's proposals (problem+json).")
def get_proposal_pdf(proposal_id):
    """One proposal as the customer's PDF: the same access rule and branch settings as its detail; the
    letterhead names the company and branch of the gateway's signed token."""
    who = current_customer()
    with _db().unit_of_work() as session:
        proposal = service.customer_proposal(session, customer=who, proposal_id=str(proposal_id))
    company, branch = letterhead()
    pdf = proposal_pdf(proposal, company=company, branch=branch)
    with _db().unit_of_work() as session:  # the evidence: the SHA-256 of exactly the bytes this customer was served
        evidence.record_viewed(session, customer=who, proposal_id=str(proposal_id), version=proposal["version"],
                               pdf=pdf, context=client_context())
    return pdf_response(pdf, kind="proposal", number=proposal["number"])
