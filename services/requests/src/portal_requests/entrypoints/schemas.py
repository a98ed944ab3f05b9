"""Schemas of requests's HTTP API: the back office's requests (integration), the customer's list, detail,
new request and comment, and the summary."""
from __future__ import annotations

import base64
import binascii

from marshmallow import Schema, ValidationError, fields, validate

from portal_requests.adapters.orm import (
    AUTHOR_LENGTH,
    COMMENT_LENGTH,
    DESCRIPTION_LENGTH,
    EXTERNAL_ID_LENGTH,
    FILENAME_LENGTH,
    NUMBER_LENGTH,
    SUBJECT_LENGTH,
)
from portal_requests.domain import requests as rules
from portal_requests.domain.attachments import MAX_ATTACHMENTS, MAX_BYTES
from portal_shared.access.schemas import PropertyFilterQuery, PropertyRef

MAX_COMMENTS, MAX_PROPOSALS = 500, 50
NAME_LENGTH = 200


class RequestsSummary(Schema):
    """The figures of requests's card on Home (the kit adds `property_ids`)."""

    pending_requests = fields.Integer(required=True, metadata={
        "description": "Requests with status Open."})


class Priority(fields.String):
    """High, Normal or Low (any case); "Medium", the seeds' and some back offices' word, is Normal."""

    def _deserialize(self, value, attr, data, **kwargs):
        word = rules.priority(super()._deserialize(value, attr, data, **kwargs))
        if word is None:
            raise ValidationError("Must be High, Normal (or Medium) or Low.")
        return word


class Base64File(fields.String):
    """A file's bytes as base64 (at most 10 MB once decoded)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > (MAX_BYTES * 4) // 3 + 8:
            raise ValidationError(f"Larger than {MAX_BYTES // (1024 * 1024)} MB.")
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("Not base64.") from None


# Form fields do not pass the JSON guard (ADR 0014): the same rule here — no C0 control but tab, CR and LF
# (PostgreSQL cannot store NUL).
NO_CONTROLS = validate.Regexp(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*\Z", error="May not contain control characters.")


def ExternalId(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=EXTERNAL_ID_LENGTH), **kwargs)


# -- integration: what the back office sends ---------------------------------------------------

class AttachmentIn(Schema):
    filename = fields.String(required=True, validate=validate.Length(min=1, max=FILENAME_LENGTH))
    content = Base64File(required=True, metadata={"description": "The file, base64: a JPEG, PNG, WebP or HEIC "
                                                                 "photo, or a PDF; at most 10 MB."})


class ProposalIn(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=NUMBER_LENGTH))
    name = fields.String(load_default="", validate=validate.Length(max=NAME_LENGTH))


class CommentIn(Schema):
    external_id = ExternalId(required=True)
    public = fields.Boolean(required=True, metadata={"description": "Only a Public comment reaches the portal."})
    author = fields.String(required=True, validate=validate.Length(min=1, max=AUTHOR_LENGTH))
    text = fields.String(required=True, validate=validate.Length(min=1, max=COMMENT_LENGTH))
    created_at = fields.AwareDateTime(load_default=None, allow_none=True)
    portal_comment_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The portal's id of a customer's comment (from the `request_commented` webhook) that this "
                       "back-office comment is: it is claimed, not shown twice."})
    attachments = fields.List(fields.Nested(AttachmentIn), load_default=list,
                              validate=validate.Length(max=MAX_ATTACHMENTS), metadata={
                                  "description": "Kept as first sent: a repeated PUT does not add them again."})


class RequestUpsert(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=NUMBER_LENGTH))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=SUBJECT_LENGTH))
    description = fields.String(load_default="", validate=validate.Length(max=DESCRIPTION_LENGTH))
    property_external_id = ExternalId(required=True, metadata={
        "description": "The back office's property id, as PUT to identity's /integration/properties/<id>."})
    priority = Priority(required=True, metadata={"enum": ["High", "Normal", "Medium", "Low"]})
    status = fields.String(required=True, validate=validate.OneOf([rules.OPEN, rules.CLOSED]))
    include_client = fields.Boolean(required=True, metadata={
        "description": "Include Client: only then do the property's contacts see it in the portal."})
    created_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "When it was closed (status Closed only)."})
    proposals = fields.List(fields.Nested(ProposalIn), load_default=list, validate=validate.Length(max=MAX_PROPOSALS))
    comments = fields.List(fields.Nested(CommentIn), load_default=list, validate=validate.Length(max=MAX_COMMENTS),
                           metadata={"description": "Every comment of the issue (the complete list)."})
    portal_request_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "The portal's id of a request a customer created (from the `request_created` webhook): "
                       "this PUT names it with the back office's id instead of creating another."})


class CommentStored(Schema):
    id = fields.String()
    external_id = fields.String(allow_none=True)


class RequestStored(Schema):
    """The request as requests stored it."""

    id = fields.String()
    external_id = fields.String()
    number = fields.String()
    subject = fields.String()
    property_id = fields.String()
    property_external_id = fields.String()
    priority = fields.String()
    status = fields.String()
    include_client = fields.Boolean()
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)
    comments = fields.List(fields.Nested(CommentStored))


# -- the customer ------------------------------------------------------------------------------

class RequestQuery(PropertyFilterQuery):
    show = fields.String(load_default="open", validate=validate.OneOf(list(rules.SHOW)), metadata={
        "description": "Show: open (default) or closed requests."})


class RequestCreate(Schema):
    """Add New Request (multipart/form-data; the files are `attachments`, up to five)."""

    property_id = fields.UUID(required=True, metadata={"description": "Associated Property."})
    subject = fields.String(required=True, validate=[validate.Length(min=1, max=SUBJECT_LENGTH), NO_CONTROLS])
    priority = Priority(load_default="Normal", metadata={"enum": ["High", "Normal", "Medium", "Low"]})
    description = fields.String(required=True, validate=[validate.Length(min=1, max=DESCRIPTION_LENGTH), NO_CONTROLS])


class CommentCreate(Schema):
    """Add Comment (multipart/form-data; the files are `attachments`, up to five)."""

    text = fields.String(required=True, validate=[validate.Length(min=1, max=COMMENT_LENGTH), NO_CONTROLS])


class RequestRow(Schema):
    id = fields.String()
    number = fields.String()
    title = fields.String(metadata={"example": "12: Broken sprinkler head near entrance"})
    subject = fields.String()
    property = fields.Nested(PropertyRef)
    status = fields.String()
    priority = fields.String()
    created_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class AttachmentOut(Schema):
    id = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    image = fields.Boolean(metadata={"description": "A photo: it has a thumbnail."})


class CommentOut(Schema):
    id = fields.String()
    author = fields.String()
    text = fields.String()
    created_at = fields.DateTime()
    from_customer = fields.Boolean()
    attachments = fields.List(fields.Nested(AttachmentOut))


class ProposalOut(Schema):
    number = fields.String()
    name = fields.String()


class RequestDetail(RequestRow):
    description = fields.String()
    proposals = fields.List(fields.Nested(ProposalOut))
    attachments = fields.List(fields.Nested(AttachmentOut))
    comments = fields.List(fields.Nested(CommentOut), metadata={"description": "The public comments, oldest first."})
