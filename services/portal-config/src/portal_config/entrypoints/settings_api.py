"""HTTP API of a branch portal's settings, its images, and the readers' snapshot.

Staff reach it through the gateway on a branch host (`/api/portal-config/...`), signed in:
the identity token must name a staff session of the tenant, and the staff read model must
show them active, holding `manage_portal_settings` and working at the branch. The operator
token (`Authorization: Bearer …`) is accepted too. Another company's branch answers 404.

    GET  /settings/options                          fonts, tokens, limits (public)
    GET  /branches/<id>/settings                    the form, version, warnings
    POST /branches/<id>/settings/check              {errors, warnings, settings}; writes nothing
    PUT  /branches/<id>/settings                    save: 200 new version; 422 errors; 409 version_conflict
    GET  /branches/<id>/settings/versions           history, newest first (X-Pagination)
    GET  /branches/<id>/settings/versions/<n>       one version with its complete settings
    POST /branches/<id>/assets                      multipart file + kind → 201 asset
    GET  /assets/<id>                               the image (public, cached forever)
    GET  /internal/settings                         every branch's {branch_id, version, settings}
"""
from __future__ import annotations

from functools import wraps

from flask import Response, current_app, g, request
from flask_smorest import Blueprint

from portal_config.adapters.storage import AbstractStorage
from portal_config.domain.assets import MAX_UPLOAD_BYTES, MISSING_MESSAGE
from portal_config.domain.settings import options
from portal_config.entrypoints.schemas import (
    AssetRead,
    SettingsCheckRead,
    SettingsForm,
    SettingsOptionsRead,
    SettingsRead,
    SettingsSnapshotRead,
    SettingsVersionDetail,
    SettingsVersionRead,
)
from portal_config.service_layer import assets as asset_uc
from portal_config.service_layer import branches as branch_uc
from portal_config.service_layer import settings as uc
from portal_config.service_layer.staff import authorise_settings
from portal_shared.db import Database
from portal_shared.errors import ValidationFailed
from portal_shared.web.auth import operator_token_sent, require_internal_service
from portal_shared.web.pagination import page_of

blp = Blueprint("settings", __name__, url_prefix="/",
                description="A branch portal's settings and images (staff with manage_portal_settings, "
                            "or the operator token).")

IMMUTABLE = "public, max-age=31536000, immutable"


def _db() -> Database:
    return current_app.extensions["portal_db"]


def _address() -> branch_uc.PortalAddress:
    return current_app.extensions["portal_address"]


def _storage() -> AbstractStorage:
    return current_app.extensions["portal_storage"]


def settings_access(view):
    """Authorise before anything of the request is read; the actor is in `g.settings_actor`."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        with _db().unit_of_work() as session:
            g.settings_actor = authorise_settings(session, branch_id=str(kwargs["branch_id"]),
                                                  identity=g.get("identity"), operator=operator_token_sent())
        return view(*args, **kwargs)
    return wrapper


@blp.route("/settings/options", methods=["GET"])
@blp.response(200, SettingsOptionsRead)
def settings_options():
    """Fonts (with their CSS stacks), email tokens, payment types and limits of the form."""
    return options()


@blp.route("/branches/<uuid:branch_id>/settings", methods=["GET"])
@settings_access
@blp.response(200, SettingsRead)
def get_settings(branch_id):
    with _db().unit_of_work() as session:
        branch = branch_uc.get_branch(session, branch_id=str(branch_id))
        return uc.settings_view(branch, uc.current_settings(session, branch), _address())


@blp.route("/branches/<uuid:branch_id>/settings/check", methods=["POST"])
@settings_access
@blp.arguments(SettingsForm)
@blp.response(200, SettingsCheckRead)
def check_settings(changes, branch_id):
    """Validate without saving, so the screen can show errors and contrast warnings first."""
    with _db().unit_of_work() as session:
        branch = branch_uc.get_branch(session, branch_id=str(branch_id))
        result = uc.check_view(uc.check_settings(session, branch, changes))
        session.rollback()  # a check never writes
        return result


@blp.route("/branches/<uuid:branch_id>/settings", methods=["PUT"])
@settings_access
@blp.arguments(SettingsForm)
@blp.response(200, SettingsRead)
def save_settings(changes, branch_id):
    """Save any subset of the form as a new version (nothing changes → no new version)."""
    with _db().unit_of_work() as session:
        branch = branch_uc.get_branch(session, branch_id=str(branch_id))
        row, warnings = uc.save_settings(session, branch, changes, changed_by=g.settings_actor.staff_id,
                                         address=_address())
        return {**uc.settings_view(branch, row, _address()), "warnings": warnings}


@blp.route("/branches/<uuid:branch_id>/settings/versions", methods=["GET"])
@settings_access
@blp.response(200, SettingsVersionRead(many=True))
@blp.paginate()
def list_versions(pagination_parameters, branch_id):
    """Who changed what, when: newest first."""
    with _db().unit_of_work() as session:
        branch = branch_uc.get_branch(session, branch_id=str(branch_id))
        rows = page_of(session, uc.versions_query(branch), pagination_parameters)
        return uc.version_views(session, rows)


@blp.route("/branches/<uuid:branch_id>/settings/versions/<int:version>", methods=["GET"])
@settings_access
@blp.response(200, SettingsVersionDetail)
def get_version(branch_id, version):
    with _db().unit_of_work() as session:
        branch = branch_uc.get_branch(session, branch_id=str(branch_id))
        return uc.version_views(session, [uc.get_version(session, branch, version)], with_settings=True)[0]


@blp.route("/branches/<uuid:branch_id>/assets", methods=["POST"])
@settings_access
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "kind"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "PNG, JPEG or WebP, ≤ 2 MB, ≤ 4000×4000"},
                   "kind": {"type": "string", "enum": ["login_logo", "nav_logo", "carousel"]}}}}}})
@blp.response(201, AssetRead)
def upload_asset(branch_id):
    """Upload an image; it is recognised by its bytes, re-encoded and stored by its content."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(MISSING_MESSAGE, errors={"file": [MISSING_MESSAGE]})
    data = upload.stream.read(MAX_UPLOAD_BYTES + 1)  # one byte more tells "too big" without reading it all
    kind = request.form.get("kind", request.args.get("kind"))
    with _db().unit_of_work() as session:
        branch = branch_uc.get_branch(session, branch_id=str(branch_id))
        return asset_uc.asset_view(asset_uc.upload_asset(session, _storage(), branch, kind=kind, data=data))


@blp.route("/assets/<uuid:asset_id>", methods=["GET"])
@blp.doc(responses={"200": {"description": "The image (PNG, JPEG or WebP), cached forever.", "content": {
    content_type: {"schema": {"type": "string", "format": "binary"}}
    for content_type in ("image/png", "image/jpeg", "image/webp")}}, "304": {"description": "Not modified"}})
def serve_asset(asset_id):
    """An uploaded image, for anyone: its id never names other bytes, so caches may keep it forever."""
    with _db().unit_of_work() as session:
        asset, data = asset_uc.read_asset(session, _storage(), str(asset_id))
        content_type, sha256 = asset.content_type, asset.sha256
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.set_etag(sha256)
    return response.make_conditional(request)


@blp.route("/internal/settings", methods=["GET"])
@blp.response(200, SettingsSnapshotRead(many=True))
@require_internal_service
def settings_snapshot():
    """Every branch's current settings, for portal-web at start (then it follows portal_settings_updated)."""
    with _db().unit_of_work() as session:
        return uc.snapshot(session)
