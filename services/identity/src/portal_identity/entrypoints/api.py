"""HTTP API of identity: customer and staff sign-in, profile, passwords, invitations, the
staff's contact list, API keys, and the back office's integration API."""
from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import Blueprint

from portal_identity.entrypoints import schemas as s
from portal_identity.entrypoints.limits import LINK_ATTEMPTS_PER_ADDRESS, RESET_REQUESTS_PER_ADDRESS, limiter, sign_in_limits
from portal_identity.domain import invitations as invitation_rules
from portal_identity.domain.roles import MANAGE_API_KEYS, VIEW_CONTACTS, permissions_of
from portal_identity.service_layer import accounts, api_keys, directory, invitation_batches, invitations
from portal_identity.service_layer.context import Caller
from portal_shared.errors import Forbidden, ValidationFailed
from portal_shared.web.auth import current_integration, require_integration, require_operator
from portal_shared.web.pagination import page_of

customer = Blueprint("customer", __name__, url_prefix="/", description="Customer sign-in, profile and passwords.")
staff_bp = Blueprint("staff", __name__, url_prefix="/staff", description="Staff sign-in, contacts, invitations, API keys.")
integration = Blueprint("integration", __name__, url_prefix="/integration",
                        description="For the back office: contacts, properties and their roles (API key).")


def _w():
    return current_app.extensions["identity"]


def _caller() -> Caller:
    return Caller.from_claims(g.get("identity"))


# -- customers ------------------------------------------------------------------------------

@customer.route("/customer/sessions", methods=["POST"])
@sign_in_limits
@customer.arguments(s.Credentials)
@customer.response(201, s.SessionCreated)
def customer_sign_in(body):
    with _w().db.unit_of_work() as session:
        return accounts.customer_sign_in(session, caller=_caller(), passwords=_w().passwords,
                                         sessions=_w().sessions, **body)


@customer.route("/sessions/end", methods=["POST"])
@customer.arguments(s.SessionEnd)
@customer.response(204)
def end_session(body):
    _w().sessions.delete(body["session_id"])


@customer.route("/customer/me", methods=["GET"])
@customer.response(200, s.ProfileRead)
def me():
    with _w().db.unit_of_work() as session:
        return accounts.customer_profile(session, caller=_caller())


@customer.route("/customer/me", methods=["PATCH"])
@customer.arguments(s.ProfileUpdate)
@customer.response(200, s.ProfileRead)
def update_me(changes):
    with _w().db.unit_of_work() as session:
        return accounts.update_profile(session, caller=_caller(), changes=changes, passwords=_w().passwords)


@customer.route("/customer/password", methods=["POST"])
@customer.arguments(s.PasswordChange)
@customer.response(204)
def change_password(body):
    caller = _caller()
    with _w().db.unit_of_work() as session:
        accounts.change_password(session, caller=caller, passwords=_w().passwords, sessions=_w().sessions, **body)
    # Again after commit: a sign-in that checked the old hash while we were changing it ends too.
    _w().sessions.revoke_all(kind="customer", account_id=caller.account_id)


@customer.route("/password-resets", methods=["POST"])
@limiter.limit(RESET_REQUESTS_PER_ADDRESS, scope="reset-request")
@customer.arguments(s.ResetRequest)
@customer.response(202)
def request_reset(body):
    with _w().db.unit_of_work() as session:
        accounts.request_password_reset(session, caller=_caller(), email=body["email"])
    return {}


@customer.route("/password-resets/<token>", methods=["GET"])
@limiter.limit(LINK_ATTEMPTS_PER_ADDRESS, scope="links")
@customer.response(200, s.EmailRead)
def check_reset(token):
    with _w().db.unit_of_work() as session:
        return accounts.check_reset(session, caller=_caller(), token=token)


@customer.route("/password-resets/<token>", methods=["POST"])
@limiter.limit(LINK_ATTEMPTS_PER_ADDRESS, scope="links")
@customer.arguments(s.ResetComplete)
@customer.response(204)
def complete_reset(body, token):
    with _w().db.unit_of_work() as session:
        contact_id = accounts.complete_reset(session, caller=_caller(), token=token, passwords=_w().passwords,
                                             sessions=_w().sessions, **body)
    # Again after commit: a sign-in that checked the old hash while we were resetting it ends too.
    _w().sessions.revoke_all(kind="customer", account_id=contact_id)


@customer.route("/invitations/<token>", methods=["GET"])
@limiter.limit(LINK_ATTEMPTS_PER_ADDRESS, scope="links")
@customer.response(200, s.InvitationRead)
def check_invitation(token):
    with _w().db.unit_of_work() as session:
        return invitations.check_invitation(session, caller=_caller(), token=token)


@customer.route("/invitations/<token>/accept", methods=["POST"])
@limiter.limit(LINK_ATTEMPTS_PER_ADDRESS, scope="links")
@customer.arguments(s.InvitationAccept)
@customer.response(201, s.SessionCreated)
def accept_invitation(body, token):
    with _w().db.unit_of_work() as session:
        return invitations.accept_invitation(session, caller=_caller(), token=token, passwords=_w().passwords,
                                             sessions=_w().sessions, **body)


# -- staff ----------------------------------------------------------------------------------

def _staff(session, permission: str | None = None):
    staff = accounts.signed_in_staff(session, caller=_caller())
    if permission and permission not in permissions_of(staff.role):
        raise Forbidden(f"Your role ({staff.role}) does not allow this.", code="missing_permission")
    return staff


@staff_bp.route("/sessions", methods=["POST"])
@sign_in_limits
@staff_bp.arguments(s.Credentials)
@staff_bp.response(201, s.SessionCreated)
def staff_sign_in(body):
    with _w().db.unit_of_work() as session:
        return accounts.staff_sign_in(session, caller=_caller(), passwords=_w().passwords,
                                      sessions=_w().sessions, **body)


@staff_bp.route("/me", methods=["GET"])
@staff_bp.response(200, s.StaffRead)
def staff_me():
    with _w().db.unit_of_work() as session:
        return accounts.staff_view(_staff(session))


@staff_bp.route("/contacts", methods=["GET"])
@staff_bp.arguments(s.ContactQuery, location="query")
@staff_bp.response(200, s.ContactRead(many=True))
@staff_bp.paginate()
def staff_contacts(query, pagination_parameters):
    caller = _caller()
    with _w().db.unit_of_work() as session:
        _staff(session, VIEW_CONTACTS)
        rows = page_of(session, directory.contacts_in_branch(tenant_id=caller.tenant_id, branch_id=caller.branch_id,
                                                             q=query.get("q"), verified=query.get("verified"),
                                                             contact_ids=query.get("contact_id")),
                       pagination_parameters)
        return directory.staff_contact_rows(session, tenant_id=caller.tenant_id, branch_id=caller.branch_id,
                                            contacts=rows)


@staff_bp.route("/invitation-template", methods=["GET"])
@staff_bp.response(200, s.TemplateRead)
def invitation_template():
    with _w().db.unit_of_work() as session:
        _staff(session)
        template = invitations.template_for(session, caller=_caller())
        return {"subject": template.subject, "body": template.body, "link_description": template.link_description,
                "tokens": list(invitation_rules.TOKENS)}


@staff_bp.route("/invitations", methods=["POST"])
@staff_bp.arguments(s.InvitationSend)
@staff_bp.response(200, s.InvitationResults)
def send_invitations(body):
    with _w().db.unit_of_work() as session:
        staff = _staff(session)
        results = invitations.send_invitations(session, caller=_caller(), staff=staff, subject=body["subject"],
                                               body=body["body"], recipients=body["recipients"])
        return {"results": results}


IDEMPOTENCY_KEY = "Idempotency-Key"


@staff_bp.route("/invitation-batches", methods=["POST"])
@staff_bp.arguments(s.InvitationSend)
@staff_bp.response(202, s.InvitationBatchRead)
def accept_invitation_batch(body):
    """Accept a bulk invitation (sent by the worker) and answer at once; the same Idempotency-Key
    finds the same batch, so sending a form twice never invites anyone twice."""
    key = (request.headers.get(IDEMPOTENCY_KEY) or "").strip()
    if not key or len(key) > 200:
        raise ValidationFailed("Send an Idempotency-Key header (1 to 200 characters), one per form.",
                               errors={IDEMPOTENCY_KEY: ["Send a key of 1 to 200 characters, one per form."]})
    with _w().db.unit_of_work() as session:
        batch = invitation_batches.accept_batch(session, caller=_caller(), staff=_staff(session), idempotency_key=key,
                                                subject=body["subject"], body=body["body"],
                                                recipients=body["recipients"])
        view = invitation_batches.batch_view(batch)
    return view, 202, {"Location": f"/staff/invitation-batches/{view['batch_id']}"}


@staff_bp.route("/invitation-batches/<uuid:batch_id>", methods=["GET"])
@staff_bp.response(200, s.InvitationBatchRead)
def invitation_batch(batch_id):
    with _w().db.unit_of_work() as session:
        batch = invitation_batches.get_batch(session, caller=_caller(), staff=_staff(session), batch_id=str(batch_id))
        return invitation_batches.batch_view(batch)


@staff_bp.route("/api-keys", methods=["POST"])
@staff_bp.arguments(s.ApiKeyCreate)
@staff_bp.response(201, s.ApiKeyRead)
def create_api_key(body):
    with _w().db.unit_of_work() as session:
        staff = _staff(session, MANAGE_API_KEYS)
        return api_keys.create_key(session, key_store=_w().api_keys, tenant_id=staff.tenant_id,
                                   created_by=staff.id, **body)


@staff_bp.route("/api-keys", methods=["GET"])
@staff_bp.response(200, s.ApiKeyRead(many=True))
def list_api_keys():
    with _w().db.unit_of_work() as session:
        staff = _staff(session, MANAGE_API_KEYS)
        return api_keys.list_keys(session, key_store=_w().api_keys, tenant_id=staff.tenant_id)


@staff_bp.route("/api-keys/<uuid:key_id>", methods=["DELETE"])
@staff_bp.response(204)
def revoke_api_key(key_id):
    with _w().db.unit_of_work() as session:
        staff = _staff(session, MANAGE_API_KEYS)
        digest = api_keys.revoke_key(session, key_store=_w().api_keys, tenant_id=staff.tenant_id,
                                     key_id=str(key_id))
    api_keys.withdraw_after_commit(_w().api_keys, digest)


@staff_bp.route("/operator/companies/<uuid:tenant_id>/api-keys", methods=["POST"])
@require_operator
@staff_bp.arguments(s.ApiKeyCreate)
@staff_bp.response(201, s.ApiKeyRead)
def operator_create_api_key(body, tenant_id):
    """Bootstrap: the platform operator issues a company's first key."""
    with _w().db.unit_of_work() as session:
        return api_keys.create_key(session, key_store=_w().api_keys, tenant_id=str(tenant_id), created_by=None,
                                   **body)


# -- integration ----------------------------------------------------------------------------

# The gateway authenticated the key (Redis, ADR 0012) and signed its company and scopes into the
# identity token; `require_integration` checks the scope. No key is looked up here.

@integration.route(f"/contacts/<string(maxlength={s.EXTERNAL_ID_MAX}):external_id>", methods=["PUT"])
@require_integration("contacts:write")
@integration.arguments(s.ContactUpsert)
@integration.response(200, s.ContactUpserted)
def put_contact(body, external_id):
    """Create or update a contact by the back office's id (idempotent)."""
    with _w().db.unit_of_work() as session:
        tenant_id = current_integration().tenant_id
        contact, _created = directory.upsert_contact(session, tenant_id=tenant_id, external_id=external_id, **body)
        return {"contact_id": contact.id, "external_id": external_id, "email": contact.email,
                "verified": contact.verified}


@integration.route(f"/properties/<string(maxlength={s.EXTERNAL_ID_MAX}):external_id>", methods=["PUT"])
@require_integration("properties:write")
@integration.arguments(s.PropertyUpsert)
@integration.response(200, s.PropertyUpserted)
def put_property(body, external_id):
    """Create or update a property by the back office's id (idempotent)."""
    with _w().db.unit_of_work() as session:
        tenant_id = current_integration().tenant_id
        prop, _created = directory.upsert_property(session, tenant_id=tenant_id, external_id=external_id, **body)
        return {"property_id": prop.id, "external_id": external_id, "branch_id": prop.branch_id}


@integration.route(f"/properties/<string(maxlength={s.EXTERNAL_ID_MAX}):external_id>/contacts", methods=["PUT"])
@require_integration("properties:write")
@integration.arguments(s.AccessSet)
@integration.response(200, s.PropertyUpserted)
def put_property_contacts(body, external_id):
    """Replace who may see a property, and in which roles (idempotent)."""
    with _w().db.unit_of_work() as session:
        tenant_id = current_integration().tenant_id
        prop = directory.set_property_access(session, tenant_id=tenant_id, property_external_id=external_id,
                                             access=body["access"])
        return {"property_id": prop.id, "external_id": external_id, "branch_id": prop.branch_id}
