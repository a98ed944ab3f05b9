"""Staff: the Customer Portal settings page (seed 001) and its Preview.

Only staff whose identity permissions include `manage_portal_settings` get the page; portal-config
authorises every call again from the same forwarded identity token. The page's actions:
- *Check*: portal-config validates without saving; its errors appear next to their fields and its
  contrast warnings above the form;
- *Save*: checked first; warnings are shown with a *Save anyway* button, otherwise it is saved;
- *Preview*: `/staff/settings/preview` renders the customer Home (or the sign-in page) for a sample
  customer with the form's unsaved values, through the same CSS variables as every page. The page's
  script refreshes it as fields change; without JavaScript the Preview button posts the form into it.
Images chosen in the form are uploaded to portal-config (`POST /branches/<id>/assets`) when the
form is checked or saved, and kept as asset ids in the form until it is saved.
"""
from __future__ import annotations

from flask import (Blueprint, current_app, flash, g, make_response, redirect, render_template, request,
                   url_for)

from portal_shared.events.portal_settings import INVITATION_TOKENS, LINK_TOKEN
from portal_shared.logging import get_logger
from portal_web import messages
from portal_web.adapters.identity import identity
from portal_web.adapters.portal_config import PortalConfigError, portal_config
from portal_web.auth import staff_required
from portal_web.branding import DEFAULT_BRANDING, Branding
from portal_web.entrypoints.pages import current_branch, needs_a_branch
from portal_web.entrypoints.staff import full_name
from portal_web.errors import message_page
from portal_web.forms import SignInForm
from portal_web.page_policy import allow_framing_by_this_origin
from portal_web.settings_form import (LOGOS, PortalSettingsForm, error_summary, form_data, input_body,
                                      normalise_warnings, place_errors, preview_settings, read_colours,
                                      render_example, set_slides, settings_of, slides, take_normalised, token_values)
from portal_web.shell import SAMPLE_ME, SAMPLE_SUMMARIES, build_shell

log = get_logger(__name__)
bp = Blueprint("staff_settings", __name__, url_prefix="/staff/settings")
PERMISSION = "manage_portal_settings"
ACTIONS = ("check", "save", "save_anyway")


bp.before_request(needs_a_branch)


def _permitted_staff() -> dict | None:
    me = identity().staff_me()
    return me if PERMISSION in set(me.get("permissions") or []) else None


def _refusal(detail: str | None = None):
    return message_page(403, "Not allowed", detail or messages.MISSING_SETTINGS_PERMISSION,
                        link=(url_for("staff.contacts"), "Back to contacts"))


def _saved_branding() -> Branding:
    return current_app.extensions["branding_cache"].for_branch(current_branch().get("branch_id"))


def _render(form: PortalSettingsForm, staff: dict, *, status: int = 200, warnings: list[dict] | None = None,
            confirm: bool = False, checked_ok: bool = False, problems: list[str] | None = None,
            conflict: bool = False):
    branch = current_branch()
    values = token_values(company=branch.get("company_name") or "", branch=branch.get("branch_name") or "",
                          sender=full_name(staff) or "Your name")
    example = render_example(form.invitation_subject.data or "", form.invitation_body.data or "",
                             form.invitation_link_description.data or "", values)
    # After Check or Save the preview shows the values just sent (as portal-config normalised them),
    # not the saved ones: its frame gets them as `srcdoc`, with or without the page's script.
    preview_html = _preview_html(_form_branding(form), request.values.get("preview_page")) \
        if request.method == "POST" else None
    html = render_template(
        "staff/settings.html", form=form, warnings=warnings or [], confirm=confirm, checked_ok=checked_ok,
        problems=problems or [], conflict=conflict, summary=error_summary(form), tokens=INVITATION_TOKENS, link_token=LINK_TOKEN,
        example=example,
        token_values=values, defaults=DEFAULT_BRANDING, preview_html=preview_html, base_domain=current_app.config["PORTAL_BASE_DOMAIN"],
        scheme=current_app.config["PORTAL_SCHEME"])
    return html, status


@bp.get("")
@staff_required
def edit():
    staff = _permitted_staff()
    if staff is None:
        return _refusal()
    try:
        answer = portal_config().branch_settings(current_branch()["branch_id"])
    except PortalConfigError as error:
        if error.status == 403:
            return _refusal(error.detail)
        raise
    form = PortalSettingsForm(formdata=None, data=form_data(answer, DEFAULT_BRANDING))
    # The saved colours' contrast problems, for information (nothing to confirm until a save).
    return _render(form, staff, warnings=normalise_warnings(answer.get("warnings")))


def _upload_images(form: PortalSettingsForm, branch_id: str) -> None:
    """Send each chosen image to portal-config; the form then carries its asset id and address."""
    for prefix, kind in LOGOS.items():
        upload = form[f"{prefix}_file"].data
        if upload and getattr(upload, "filename", ""):
            asset = _upload(form[f"{prefix}_file"], branch_id, kind, upload)
            if asset:
                form[f"{prefix}_asset_id"].data, form[f"{prefix}_url"].data = asset
                form[f"{prefix}_remove"].data = False
    kept = slides(form)
    upload = form.new_slide_file.data
    if upload and getattr(upload, "filename", ""):
        asset = _upload(form.new_slide_file, branch_id, "carousel", upload)
        if asset:
            kept.append({"asset_id": asset[0], "image_url": asset[1], "caption": form.new_slide_caption.data or "",
                         "link": form.new_slide_link.data or ""})
            form.new_slide_caption.data = form.new_slide_link.data = ""
    set_slides(form, kept)


def _upload(field, branch_id: str, kind: str, upload) -> tuple[str, str] | None:
    try:
        answer = portal_config().upload_asset(branch_id, kind=kind, filename=upload.filename, stream=upload.stream,
                                              content_type=upload.mimetype)
    except PortalConfigError as error:
        if error.status == 403:
            raise
        messages_ = [m for ms in error.errors.values() for m in ms] or [error.detail or messages.UPLOAD_REFUSED]
        if error.status == 413:
            messages_ = [messages.UPLOAD_TOO_LARGE]
        field.errors = [*field.errors, *messages_]
        return None
    if not answer.get("asset_id") or not answer.get("url"):
        field.errors = [*field.errors, messages.UPLOAD_REFUSED]
        return None
    return str(answer["asset_id"]), str(answer["url"])


def _has_errors(form: PortalSettingsForm) -> bool:
    return bool(error_summary(form))


@bp.post("")
@staff_required
def submit():
    staff = _permitted_staff()
    if staff is None:
        return _refusal()
    branch = current_branch()
    form = PortalSettingsForm()
    action = request.form.get("action")
    if action not in ACTIONS:
        action = "check"
    form.validate()  # lengths only; CSRF has already been checked for every POST
    read_colours(form, request.form)
    try:
        _upload_images(form, branch["branch_id"])
        body = input_body(form)
        if _has_errors(form):
            return _render(form, staff, status=422)
        warnings: list[dict] = []
        if action in ("check", "save"):
            result = portal_config().check_settings(branch["branch_id"], body)
            errors = result.get("errors") or {}
            take_normalised(form, result.get("settings") or {}, errors)
            problems = place_errors(form, errors)
            warnings = normalise_warnings(result.get("warnings"))
            if problems or _has_errors(form):
                return _render(form, staff, status=422, warnings=warnings, problems=problems)
            if action == "check" or warnings:
                # A save with warnings waits for "Save anyway".
                return _render(form, staff, warnings=warnings, confirm=bool(warnings),
                               checked_ok=not warnings)
        saved = portal_config().save_settings(branch["branch_id"], body)
    except PortalConfigError as error:
        if error.status == 403:
            return _refusal(error.detail)
        if error.status == 409:  # version_conflict: someone saved meanwhile; never overwrite their answers
            return _render(form, staff, status=409, problems=[error.detail or messages.SETTINGS_CONFLICT],
                           conflict=True)
        if error.status not in (400, 422):
            raise
        problems = place_errors(form, error.errors)
        if not error.errors:
            problems.append(error.detail or messages.SETTINGS_REFUSED)
        return _render(form, staff, status=422, problems=problems)
    log.info("portal_settings_saved", branch_id=branch["branch_id"], version=saved.get("version"))
    # This worker shows the saved settings at once (its preview, its next page); every worker, this one
    # included, also gets them from portal_settings_updated, and versions make the second copy a no-op.
    current_app.extensions["branding_cache"].apply(branch["branch_id"], saved.get("version"), settings_of(saved))
    # Any contrast warning of what was saved shows again on the page this leads to (GET's warnings).
    new_slug = settings_of(saved).get("slug") or body["slug"]
    if new_slug and branch.get("branch_slug") and new_slug != branch["branch_slug"]:
        # The portal has moved: this address no longer leads to it, and the session cookie stays here.
        address = f"{current_app.config['PORTAL_SCHEME']}://{new_slug}.{current_app.config['PORTAL_BASE_DOMAIN']}"
        return message_page(200, "Settings saved", messages.settings_moved(address),
                            link=(f"{address}/staff/login", "Sign in at the new address"))
    flash(messages.SETTINGS_SAVED, "success")
    return redirect(url_for("staff_settings.edit"), code=303)


@bp.route("/preview", methods=["GET", "POST"])
@staff_required
def preview():
    """The portal as a sample customer would see it: saved settings (GET) or the form's unsaved ones (POST)."""
    if _permitted_staff() is None:
        return _refusal()
    branding = _form_branding(PortalSettingsForm()) if request.method == "POST" else _saved_branding()
    response = make_response(_preview_html(branding, request.values.get("preview_page")))
    # Shown in the settings page's iframe, and nowhere else.
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    allow_framing_by_this_origin()
    return response


def _form_branding(form: PortalSettingsForm) -> Branding:
    """The form's values over the saved settings (an unfinished value keeps the saved one)."""
    read_colours(form, request.form)
    return Branding.from_settings(preview_settings(form), base=_saved_branding())


def _preview_html(branding: Branding, page: str | None) -> str:
    """The customer Home (or the sign-in page) for a sample customer, rendered with `branding`."""
    g.branding_override = branding
    try:
        if page == "login":
            g.preview_account_kind = None
            return render_template("login.html", form=SignInForm(formdata=None), preview=True)
        g.preview_account_kind = "customer"
        shell = build_shell(SAMPLE_ME, branding, current="home", selected=[], summaries=SAMPLE_SUMMARIES)
        return render_template("portal_home.html", me=SAMPLE_ME, shell=shell, preview=True)
    finally:
        # The page around the frame is the staff console's own, not the preview's.
        g.pop("branding_override", None)
        g.pop("preview_account_kind", None)
