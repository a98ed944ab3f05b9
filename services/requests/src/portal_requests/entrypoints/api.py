"""requests's HTTP API beside the kit's /summary: the back office's requests (API key, scope `requests:write`)
and the signed-in customer's requests (the list, one in detail, a new one, a comment, an attachment)."""
from __future__ import annotations

from flask import Response, current_app, request
from flask_smorest import Blueprint

from portal_requests.adapters.orm import EXTERNAL_ID_LENGTH
from portal_requests.domain.attachments import MAX_ATTACHMENTS, MAX_BYTES, Upload
from portal_requests.entrypoints import schemas as s
from portal_requests.service_layer import requests as service
from portal_shared.access.guard import current_customer, require_customer
from portal_shared.access.schemas import requested_properties
from portal_shared.storage import AbstractStorage
from portal_shared.web.auth import current_integration, require_integration
from portal_shared.web.pagination import customer_rows_page

integration = Blueprint("requests_integration", __name__, url_prefix="/integration",
                        description="For the back office: requests (its issues) and their comments (API key).")
customer = Blueprint("requests", __name__, url_prefix="/", description="A signed-in customer's requests.")

EXTERNAL_ID = f"string(maxlength={EXTERNAL_ID_LENGTH})"
STORAGE = "requests_storage"
# Five attachments of at most 10 MB and the form around them; a single file past 10 MB still arrives whole,
# so the refusal can name it (the gateway and portal-web allow as much: docs/adr/0030).
UPLOAD_REQUEST_LIMIT = MAX_ATTACHMENTS * MAX_BYTES + 1024 * 1024
MULTIPART = {"requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
    "attachments": {"type": "array", "maxItems": MAX_ATTACHMENTS,
                    "items": {"type": "string", "format": "binary"}}}}}}}}


def _db():
    return current_app.extensions["portal_db"]


def _storage() -> AbstractStorage:
    return current_app.extensions[STORAGE]


def _uploads() -> list[Upload]:
    """The form's `attachments` (empty file inputs left out); each read to one byte past the limit at most."""
    found = []
    for item in request.files.getlist("attachments"):
        data = item.stream.read(MAX_BYTES + 1)
        if item.filename or data:
            found.append(Upload(item.filename or "", data))
    return found


@integration.route(f"/requests/<{EXTERNAL_ID}:external_id>", methods=["PUT"])
@require_integration("requests:write")
@integration.arguments(s.RequestUpsert)
@integration.response(200, s.RequestStored)
@integration.alt_response(422, description="A field is invalid (problem+json naming it, e.g. comments.0.attachments).")
def put_request(body, external_id):
    """Create or replace a request (an issue) by the back office's id (idempotent), with its comments. Only an
    issue with Include Client, and only its Public comments, reach the portal; a new public comment on a request
    a customer opened emails them."""
    with _db().unit_of_work() as session:
        return service.upsert_request(session, _storage(), tenant_id=current_integration().tenant_id,
                                      external_id=external_id, doc=body)


@customer.route("/requests", methods=["GET"])
@require_customer
@customer.arguments(s.RequestQuery, location="query")
@customer.response(200, s.RequestRow(many=True))
@customer.paginate()
def list_requests(query, pagination_parameters):
    """The customer's requests on the properties they may see (the Property Filter narrows them): Show Open
    or Closed; X-Pagination's `total` is the "M" of "N of M"."""
    who = current_customer()
    with _db().unit_of_work() as session:
        rows = customer_rows_page(session, who, requested_properties(query.get("property_id")), pagination_parameters,
                                  lambda property_ids: service.customer_request_list(
                                      tenant_id=who.tenant_id, property_ids=property_ids, show=query["show"]))
        return service.list_rows(rows)


@customer.route("/requests", methods=["POST"])
@require_customer
@customer.arguments(s.RequestCreate, location="form")
@customer.doc(**MULTIPART)
@customer.response(201, s.RequestDetail)
@customer.alt_response(422, description="A field is invalid, or an attachment is refused (problem+json; the "
                                        "message names the file).")
def create_request(form):
    """Add New Request: Associated Property, subject, priority, description and up to five attachments (photos or
    PDFs, at most 10 MB each). The property's account owner and operations manager are emailed."""
    with _db().unit_of_work() as session:
        return service.create_request(session, _storage(), customer=current_customer(), doc=form,
                                      uploads=_uploads()), 201


@customer.route("/requests/<uuid:request_id>", methods=["GET"])
@require_customer
@customer.response(200, s.RequestDetail)
@customer.alt_response(404, description="Not one of the customer's requests (problem+json).")
def get_request(request_id):
    """View Request: property, status, dates, subject, priority, photos, the public comments, proposals."""
    with _db().unit_of_work() as session:
        return service.customer_request(session, customer=current_customer(), request_id=str(request_id))


@customer.route("/requests/<uuid:request_id>/comments", methods=["POST"])
@require_customer
@customer.arguments(s.CommentCreate, location="form")
@customer.doc(**MULTIPART)
@customer.response(201, s.RequestDetail)
@customer.alt_response(404, description="Not one of the customer's requests (problem+json).")
def add_comment(form, request_id):
    """Add Comment: text and up to five attachments; the property's account owner is emailed."""
    with _db().unit_of_work() as session:
        return service.add_comment(session, _storage(), customer=current_customer(), request_id=str(request_id),
                                   text=form["text"], uploads=_uploads()), 201


def _attachment(request_id, attachment_id, *, thumbnail: bool) -> Response:
    with _db().unit_of_work() as session:
        row, data = service.customer_attachment(session, _storage(), customer=current_customer(),
                                                request_id=str(request_id), attachment_id=str(attachment_id),
                                                thumbnail=thumbnail)
    # Photos open in the browser; a PDF is only ever downloaded. Nothing is sniffed, nothing runs.
    disposition = "inline" if row["thumbnail_key"] is not None else "attachment"
    return Response(data, mimetype=row["content_type"], headers={
        "Content-Disposition": f'{disposition}; filename="{row["filename"]}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private, max-age=3600"})


ATTACHMENT_DOC = {"responses": {200: {"description": "The file (a re-encoded photo, or a PDF as a download).",
                                      "content": {"application/octet-stream": {
                                          "schema": {"type": "string", "format": "binary"}}}}}}


@customer.route("/requests/<uuid:request_id>/attachments/<uuid:attachment_id>", methods=["GET"])
@require_customer
@customer.doc(**ATTACHMENT_DOC)
@customer.alt_response(404, description="Not an attachment the customer may see (problem+json).")
def get_attachment(request_id, attachment_id):
    """An attachment of a request the customer may see (of the request, or of a public comment)."""
    return _attachment(request_id, attachment_id, thumbnail=False)


@customer.route("/requests/<uuid:request_id>/attachments/<uuid:attachment_id>/thumbnail", methods=["GET"])
@require_customer
@customer.doc(**ATTACHMENT_DOC)
@customer.alt_response(404, description="Not a photo the customer may see (problem+json).")
def get_thumbnail(request_id, attachment_id):
    """A photo's thumbnail (at most 320×320)."""
    return _attachment(request_id, attachment_id, thumbnail=True)
