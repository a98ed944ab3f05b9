"""HTTP API of portal-config: the operator's admin API and the gateway's branch snapshot."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from portal_config.entrypoints.schemas import BranchCreate, BranchRead, BranchUpdate, CompanyCreate, CompanyRead, CompanyUpdate
from portal_config.service_layer import branches as uc
from portal_config.service_layer.portals import open_branch
from portal_shared.db import Database
from portal_shared.web.auth import require_internal_service, require_operator
from portal_shared.web.pagination import page_of

blp = Blueprint("branches", __name__, url_prefix="/",
                description="Companies and their branch portals (operator token required).")


def _db() -> Database:
    return current_app.extensions["portal_db"]


def _address() -> uc.PortalAddress:
    return current_app.extensions["portal_address"]


@blp.route("/companies", methods=["POST"])
@require_operator
@blp.arguments(CompanyCreate)
@blp.response(201, CompanyRead)
def create_company(body):
    with _db().unit_of_work() as session:
        return uc.create_company(session, **body)


@blp.route("/companies", methods=["GET"])
@require_operator
@blp.response(200, CompanyRead(many=True))
@blp.paginate()
def list_companies(pagination_parameters):
    with _db().unit_of_work() as session:
        return page_of(session, uc.list_companies(session), pagination_parameters)


@blp.route("/companies/<uuid:company_id>", methods=["GET"])
@require_operator
@blp.response(200, CompanyRead)
def get_company(company_id):
    with _db().unit_of_work() as session:
        return uc.get_company(session, company_id=str(company_id))


@blp.route("/companies/<uuid:company_id>", methods=["PATCH"])
@require_operator
@blp.arguments(CompanyUpdate)
@blp.response(200, CompanyRead)
def update_company(changes, company_id):
    with _db().unit_of_work() as session:
        return uc.update_company(session, company_id=str(company_id), changes=changes, address=_address())


@blp.route("/companies/<uuid:company_id>/branches", methods=["POST"])
@require_operator
@blp.arguments(BranchCreate)
@blp.response(201, BranchRead)
def create_branch(body, company_id):
    with _db().unit_of_work() as session:
        branch = open_branch(session, company_id=str(company_id), address=_address(), **body)
        return uc.branch_view(branch, _address())


@blp.route("/companies/<uuid:company_id>/branches", methods=["GET"])
@require_operator
@blp.response(200, BranchRead(many=True))
@blp.paginate()
def list_company_branches(pagination_parameters, company_id):
    with _db().unit_of_work() as session:
        rows = page_of(session, uc.list_branches(session, company_id=str(company_id)), pagination_parameters)
        return [uc.branch_view(b, _address()) for b in rows]


@blp.route("/branches/<uuid:branch_id>", methods=["GET"])
@require_operator
@blp.response(200, BranchRead)
def get_branch(branch_id):
    with _db().unit_of_work() as session:
        return uc.branch_view(uc.get_branch(session, branch_id=str(branch_id)), _address())


@blp.route("/branches/<uuid:branch_id>", methods=["PATCH"])
@require_operator
@blp.arguments(BranchUpdate)
@blp.response(200, BranchRead)
def update_branch(changes, branch_id):
    with _db().unit_of_work() as session:
        branch = uc.update_branch(session, branch_id=str(branch_id), changes=changes, address=_address())
        return uc.branch_view(branch, _address())


@blp.route("/internal/branches", methods=["GET"])
@blp.response(200, BranchRead(many=True))
@require_internal_service
def branch_snapshot():
    """Every branch, for the gateway's routing table at start and after a reconnect."""
    with _db().unit_of_work() as session:
        return [uc.branch_view(b, _address()) for b in session.scalars(uc.list_branches(session))]
