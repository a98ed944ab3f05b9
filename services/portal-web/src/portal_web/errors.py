"""Error pages for people, not problem+json: an expired form, identity down, a refusal.

Registered on top of the shared handlers (which still answer problem+json for anything a
browser should never meet, such as a request that did not come through the gateway).
"""
from __future__ import annotations

from flask import Flask, g, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed, NotFound, RequestEntityTooLarge

from portal_shared.errors import problem_from_http_exception
from portal_shared.logging import get_logger
from portal_web import messages
from portal_web.adapters.billing import BillingError, BillingUnavailable
from portal_web.adapters.proposals import ProposalsError, ProposalsUnavailable
from portal_web.adapters.identity import IdentityError, IdentityUnavailable
from portal_web.adapters.portal_config import PortalConfigError, PortalConfigUnavailable
from portal_web.auth import clear_session_cookie

log = get_logger(__name__)

FORM_EXPIRED = "This form has expired. Reload the page and try again."
UNAVAILABLE = "We can't reach our sign-in service right now. Wait a moment and try again."


def message_page(status: int, title: str, message: str, *, link: tuple[str, str] | None = None,
                 headers: dict[str, str] | None = None):
    html = render_template("message.html", title=title, message=message, link=link)
    return html, status, headers or {}


def _is_staff_path() -> bool:
    return request.path == "/staff" or request.path.startswith("/staff/")


def init_error_pages(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _form_expired(error: CSRFError):
        log.info("csrf_rejected", reason=error.description, path=request.path)
        return message_page(400, "Form expired", FORM_EXPIRED, link=(request.path, "Reload the page"))

    @app.errorhandler(IdentityUnavailable)
    def _identity_unavailable(error: IdentityUnavailable):
        log.warning("identity_unavailable_page", path=request.path, detail=error.detail)
        return message_page(503, "Temporarily unavailable", UNAVAILABLE, headers={"Retry-After": "5"})

    @app.errorhandler(IdentityError)
    def _identity_error(error: IdentityError):
        """An answer a view did not expect: the nearest sensible page."""
        if error.status == 401:
            # The session ended between the gateway's check and identity's (expired, signed out elsewhere).
            return clear_session_cookie(redirect("/staff/login" if _is_staff_path() else "/login"))
        if error.status == 403:
            return message_page(403, "Not allowed", error.detail or "You are not allowed to do this.")
        if error.status == 429:
            return message_page(429, "Too many attempts", messages.TOO_MANY_ATTEMPTS,
                                headers={"Retry-After": error.retry_after or "5"})
        log.warning("identity_unexpected_answer", status=error.status, code=error.code, path=request.path)
        return message_page(400 if error.status != 404 else 404, "Something went wrong",
                            error.detail or "We could not complete that. Go back and try again.")

    @app.errorhandler(PortalConfigUnavailable)
    def _portal_config_unavailable(error: PortalConfigUnavailable):
        log.warning("portal_config_unavailable_page", path=request.path, detail=error.detail)
        return message_page(503, "Temporarily unavailable", messages.SETTINGS_UNAVAILABLE, headers={"Retry-After": "5"})

    @app.errorhandler(PortalConfigError)
    def _portal_config_error(error: PortalConfigError):
        log.warning("portal_config_unexpected_answer", status=error.status, code=error.code, path=request.path)
        if error.status == 403:
            return message_page(403, "Not allowed", error.detail or "You are not allowed to do this.")
        return message_page(404 if error.status == 404 else 400, "Something went wrong",
                            error.detail or "We could not complete that. Go back and try again.")

    @app.errorhandler(BillingUnavailable)
    def _billing_unavailable(error: BillingUnavailable):
        log.warning("billing_unavailable_page", path=request.path, detail=str(error))
        return message_page(503, "Temporarily unavailable", messages.INVOICES_UNAVAILABLE,
                            headers={"Retry-After": "5"})

    @app.errorhandler(BillingError)
    def _billing_error(error: BillingError):
        if error.status == 401:
            return clear_session_cookie(redirect("/login"))
        if error.status == 404:
            return message_page(404, "Invoice not found", messages.NO_SUCH_INVOICE,
                                link=("/invoices", "Back to Invoices"))
        log.warning("billing_unexpected_answer", status=error.status, code=error.code, path=request.path)
        return message_page(400, "Something went wrong",
                            error.detail or "We could not complete that. Go back and try again.")

    @app.errorhandler(ProposalsUnavailable)
    def _proposals_unavailable(error: ProposalsUnavailable):
        log.warning("proposals_unavailable_page", path=request.path, detail=str(error))
        return message_page(503, "Temporarily unavailable", messages.PROPOSALS_UNAVAILABLE,
                            headers={"Retry-After": "5"})

    @app.errorhandler(ProposalsError)
    def _proposals_error(error: ProposalsError):
        if error.status == 401:
            return clear_session_cookie(redirect("/login"))
        if error.status == 404:
            return message_page(404, "Proposal not found", messages.NO_SUCH_PROPOSAL,
                                link=("/proposals", "Back to Proposals"))
        log.warning("proposals_unexpected_answer", status=error.status, code=error.code, path=request.path)
        return message_page(400, "Something went wrong",
                            error.detail or "We could not complete that. Go back and try again.")

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error: RequestEntityTooLarge):
        if not _in_a_portal():
            return problem_from_http_exception(error, g.get("request_id"))
        return message_page(413, "Too large", messages.UPLOAD_TOO_LARGE, link=(request.path, "Go back"))

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound):
        if not _in_a_portal():
            return problem_from_http_exception(error, g.get("request_id"))
        return message_page(404, "Page not found", "There is no page at this address.",
                            link=("/", "Go to the home page"))

    @app.errorhandler(MethodNotAllowed)
    def _method_not_allowed(error: MethodNotAllowed):
        if not _in_a_portal():
            return problem_from_http_exception(error, g.get("request_id"))
        return message_page(405, "Not available", "This page can't be used that way.",
                            link=("/", "Go to the home page"),
                            headers={"Allow": ", ".join(sorted(error.valid_methods or []))})


def _in_a_portal() -> bool:
    """Came through the gateway for a branch: a person is looking, so answer with a page."""
    return bool((g.get("identity") or {}).get("branch_id"))
