"""Requests (seed 003 "Requests Screen", "Add New Request Screen", "View Request Screen", "Add Comment Screen";
seed 001 "Issues"): the list, Add New Request, View Request and Add Comment.

The forms post here (CSRF) with their files; the requests service checks every attachment by its bytes and
refuses one with a message naming the file, shown on the form. Photos and PDFs are served by the requests
service itself, through the gateway (`/api/requests/requests/<id>/attachments/<id>`), only to those who may
see the request. Without JavaScript the forms still work (the file picker then replaces its files wholesale);
static/js/requests.js adds files one by one, removes them one by one, and names a file too large or too many
before it is sent.
"""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask_wtf import FlaskForm
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal_web.adapters.requests import Attachment, RequestsError, RequestsUnavailable, requests_api
from portal_web.entrypoints.pages import needs_a_branch
from portal_web.entrypoints.portal import open_section, whole_number
from portal_web.errors import message_page

bp = Blueprint("requests", __name__)
bp.before_request(needs_a_branch)

SHOW = {"open": "Open", "closed": "Closed"}
PRIORITIES = [("High", "High"), ("Normal", "Normal"), ("Low", "Low")]
MAX_ATTACHMENTS, MAX_MB = 5, 10
# Five files of 10 MB and the form: the body this blueprint's forms may send (the gateway allows as much).
UPLOAD_REQUEST_LIMIT = MAX_ATTACHMENTS * MAX_MB * 1024 * 1024 + 1024 * 1024
ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif,application/pdf"
UNAVAILABLE = "Requests are temporarily unavailable. Try again in a minute."


class NewRequestForm(FlaskForm):
    property_id = SelectField("Associated Property", validators=[InputRequired("Choose a property.")],
                              validate_choice=False)
    subject = StringField("Subject", validators=[InputRequired("Enter a subject."), Length(max=200)])
    priority = SelectField("Priority", choices=PRIORITIES, default="Normal")
    description = TextAreaField("Description", validators=[InputRequired("Enter a description."),
                                                           Length(max=10_000)])


class CommentForm(FlaskForm):
    text = TextAreaField("Comment", validators=[InputRequired("Enter a comment."), Length(max=10_000)])


def _room_for_attachments() -> None:
    if request.blueprint == bp.name and request.method == "POST":
        request.max_content_length = UPLOAD_REQUEST_LIMIT


# First of the app's before_request functions: CSRFProtect's (registered earlier) reads the form, so the
# larger limit must already be set when it does.
bp.record_once(lambda state: state.app.before_request_funcs.setdefault(None, []).insert(0, _room_for_attachments))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error):
    return message_page(413, "Too large", f"Attach at most {MAX_ATTACHMENTS} files of {MAX_MB} MB or less each.",
                        link=(request.path, "Go back"))


@bp.errorhandler(RequestsUnavailable)
def _unavailable(_error):
    return message_page(503, "Temporarily unavailable", UNAVAILABLE, headers={"Retry-After": "5"})


@bp.errorhandler(RequestsError)
def _refused(error: RequestsError):
    if error.status == 401:
        return redirect("/login")
    if error.status == 404:
        return message_page(404, "Request not found", "This request does not exist, or is not one of yours.",
                            link=("/requests", "Back to Requests"))
    return message_page(400, "Something went wrong", error.detail or "We could not complete that. Go back and try again.")


def _attachments() -> list[Attachment]:
    return [Attachment(f.filename or "", f.stream, f.mimetype or "application/octet-stream")
            for f in request.files.getlist("attachments") if f.filename]


def _apply(form: FlaskForm, error: RequestsError) -> list[str]:
    """The service's field messages next to the fields; the rest (an attachment's) above the form."""
    others = []
    for name, found in error.errors.items():
        messages = found if isinstance(found, list) else [str(found)]
        target = getattr(form, name, None) if name != "attachments" else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, *[str(m) for m in messages]]
        else:
            others.extend(str(m) for m in messages)
    return others or ([error.detail] if error.detail else [])


@bp.get("/requests")
def request_list():
    """Requests: Show (Open, Closed) as links, "N of M", rows "number: subject", property, status, priority."""
    shell, refused = open_section("requests")
    if shell is None:
        return refused
    show = request.args.get("show") if request.args.get("show") in SHOW else "open"
    page = requests_api().requests(show=show, page=whole_number(request.args.get("page")),
                                   property_ids=shell.selected_ids or None)
    return render_template("requests.html", me=shell.me, shell=shell, show=show, shows=SHOW, page=page)


def _property_choices(shell) -> list[tuple[str, str]]:
    return [("", "Choose a property")] + [
        (str(p.get("property_id")), f"{p.get('name') or ''}" + (f" – {p['street']}" if p.get("street") else ""))
        for p in shell.properties]


@bp.route("/requests/new", methods=["GET", "POST"])
def new_request():
    """Add New Request: Associated Property (the customer's), subject, priority, attachments, description."""
    shell, refused = open_section("requests")
    if shell is None:
        return refused
    form = NewRequestForm()
    form.property_id.choices = _property_choices(shell)
    if request.method == "GET" and len(shell.selected_ids) == 1:
        form.property_id.data = shell.selected_ids[0]
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            created = requests_api().create({"property_id": form.property_id.data, "subject": form.subject.data,
                                             "priority": form.priority.data, "description": form.description.data},
                                            _attachments())
        except RequestsError as error:
            if error.status != 422:
                raise
            problems = _apply(form, error)
        else:
            return redirect(f"/requests/{created['id']}", code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("request_new.html", me=shell.me, shell=shell, form=form, problems=problems,
                           accept=ACCEPT, max_files=MAX_ATTACHMENTS, max_mb=MAX_MB), status


@bp.get("/requests/<uuid:request_id>")
def request_detail(request_id):
    """View Request, with Add Comment."""
    shell, refused = open_section("requests")
    if shell is None:
        return refused
    found = requests_api().request(str(request_id))
    return render_template("request.html", me=shell.me, shell=shell, item=found, form=CommentForm(), problems=[],
                           accept=ACCEPT, max_files=MAX_ATTACHMENTS, max_mb=MAX_MB)


@bp.post("/requests/<uuid:request_id>/comments")
def add_comment(request_id):
    shell, refused = open_section("requests")
    if shell is None:
        return refused
    form = CommentForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            requests_api().comment(str(request_id), form.text.data, _attachments())
        except RequestsError as error:
            if error.status != 422:
                raise
            problems = _apply(form, error)
        else:
            return redirect(f"/requests/{request_id}#comments", code=303)
    found = requests_api().request(str(request_id))
    return render_template("request.html", me=shell.me, shell=shell, item=found, form=form, problems=problems,
                           accept=ACCEPT, max_files=MAX_ATTACHMENTS, max_mb=MAX_MB), 422
