"""Select & Sign and the evidence, for the signed-in customer (portal-web calls these):

    GET  /proposals/<id>/signing     what the signature pad shows (records "consent shown")
    POST /proposals/<id>/signature   sign (201), once: 409 already_signed / proposal_changed; 403 may_not_sign
    GET  /proposals/<id>/signed.pdf  the sealed signed PDF
    POST /proposals/verify           multipart `file`: is it a signed proposal, is its seal intact

The client's address is the one the gateway saw (its signed token's `client_ip`); the user agent is the
browser's, which portal-web passes on in `X-Portal-Client-User-Agent` (the gateway strips X-Portal-*
headers a client sends, so only portal-web sets it).
"""
from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import Blueprint

from portal_proposals.adapters.pdf_seal import PdfSealer, SealNotConfigured, SealSettings
from portal_proposals.adapters.signed_pdf import signed_proposal_pdf
from portal_proposals.entrypoints import signing_schemas as s
from portal_proposals.service_layer import evidence, signing
from portal_proposals.service_layer.evidence import ClientContext
from portal_shared.access.guard import current_customer, require_customer
from portal_shared.errors import ApiError, ValidationFailed
from portal_shared.logging import get_logger
from portal_shared.web.pdf import letterhead, pdf_response

log = get_logger(__name__)
signing_api = Blueprint("proposal_signing", __name__, url_prefix="/",
                        description="A signed-in customer signs a proposal; anyone signed in checks a signed PDF.")
SEALER = "proposals_sealer"
USER_AGENT_HEADER = "X-Portal-Client-User-Agent"
MAX_VERIFY_BYTES = 8 * 1024 * 1024
PDF_MISSING = "Choose the PDF to check."


def _wire_sealer(state) -> None:
    """The company seal: PROPOSALS_SEAL_* files (dev: made by `make run`), loaded on first use."""
    state.app.extensions.setdefault(SEALER, None)


signing_api.record_once(_wire_sealer)


def _sealer() -> PdfSealer:
    sealer = current_app.extensions.get(SEALER)
    if sealer is None:
        try:
            sealer = current_app.extensions[SEALER] = PdfSealer(SealSettings.from_env())
        except (SealNotConfigured, OSError) as exc:   # nothing is signed or verified without the company's seal
            log.error("seal_not_configured", error=str(exc)[:300])
            raise ApiError("Signing is not available right now.", status=503, code="seal_not_configured",
                           title="Service unavailable") from exc
    return sealer


def _db():
    return current_app.extensions["portal_db"]


def client_context() -> ClientContext:
    return ClientContext.of((g.get("identity") or {}).get("client_ip"),
                            request.headers.get(USER_AGENT_HEADER) or request.headers.get("User-Agent"))


@signing_api.route("/proposals/<uuid:proposal_id>/signing", methods=["GET"])
@require_customer
@signing_api.arguments(s.SigningSheetQuery, location="query")
@signing_api.response(200, s.SigningSheet)
@signing_api.alt_response(404, description="Not one of the customer's proposals (problem+json).")
def get_signing_sheet(query, proposal_id):
    """What Select & Sign shows: number, optional services, price, the disclosure (versioned), may_sign, and the
    signature once there is one. With `showing=true` (the pad is being shown) the disclosure shown to a contact
    who may sign goes on the audit trail."""
    with _db().unit_of_work() as session:
        return signing.signing_sheet(session, customer=current_customer(), proposal_id=str(proposal_id),
                                     context=client_context(), showing=query["showing"])


@signing_api.route("/proposals/<uuid:proposal_id>/signature", methods=["POST"])
@require_customer
@signing_api.arguments(s.SignatureCreate)
@signing_api.response(201, s.SignatureStored)
@signing_api.alt_response(403, description="Only the property's Primary and Billing contacts sign (may_not_sign).")
@signing_api.alt_response(409, description="already_signed (the second of two signatures), proposal_changed (the "
                                           "back office sent a new version) or not_signable.")
@signing_api.alt_response(422, description="A field is invalid: signature, consent_accepted, consent_version, "
                                           "optional_services.")
def post_signature(body, proposal_id):
    """Accept & Sign: sign the proposal's newest version with the optional services ticked. Exactly once."""
    who = current_customer()
    company, branch = letterhead()
    with _db().unit_of_work() as session:
        signer = signing.signer_of(session, customer=who)
        return signing.sign_proposal(
            session, customer=who, signer=signer, proposal_id=str(proposal_id), version_read=body["version"],
            chosen=body["optional_services"],
            consent_version=body["consent_version"], consent_accepted=body["consent_accepted"],
            mark_kind=body["mark_kind"], mark_value=body["mark"], context=client_context(),
            render=lambda document: signed_proposal_pdf(document, company=company, branch=branch),
            seal=_sealer().seal)


@signing_api.route("/proposals/<uuid:proposal_id>/signed.pdf", methods=["GET"])
@require_customer
@signing_api.doc(responses={"200": {"description": "The sealed signed PDF.",
                                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
@signing_api.alt_response(404, description="Not one of the customer's proposals, or not signed (problem+json).")
def get_signed_pdf(proposal_id):
    """The signed proposal as sealed: signature, chosen services, certificate page with the audit trail."""
    with _db().unit_of_work() as session:
        number, data = signing.signed_pdf(session, customer=current_customer(), proposal_id=str(proposal_id))
    return pdf_response(data, kind="proposal", number=f"{number}-signed")


@signing_api.route("/proposals/verify", methods=["POST"])
@require_customer
@signing_api.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "a PDF, ≤ 8 MB"}}}}}})
@signing_api.response(200, s.Verification)
@signing_api.alt_response(422, description="No file, or one over 8 MB (problem+json naming `file`).")
def verify_pdf(_=None):
    """Is this PDF, byte for byte, a proposal signed in the portal (one the customer may see), and is the company's
    seal on it intact, covering the whole file, by the company's certificate."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(PDF_MISSING, errors={"file": [PDF_MISSING]})
    data = upload.stream.read(MAX_VERIFY_BYTES + 1)
    if not data or len(data) > MAX_VERIFY_BYTES:
        message = "The file is empty." if not data else "The file is over 8 MB: no signed proposal is that large."
        raise ValidationFailed(message, errors={"file": [message]})
    with _db().unit_of_work() as session:
        return evidence.verify(session, customer=current_customer(), pdf=data, seal_check=_sealer().check)
