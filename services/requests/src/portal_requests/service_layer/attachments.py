"""Attachments of requests and comments: checked (count, size, bytes), re-encoded, stored through the
storage port (ADR 0010) before their rows are written, and read back for those who may see them.

Every upload of a batch is checked and prepared before any is stored, so a refused file leaves nothing
behind; a failure after storing can leave an unreferenced object (content-addressed and harmless),
never a row without its bytes.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal_requests.adapters.files import StoredFile, prepare
from portal_requests.adapters.orm import attachments
from portal_requests.domain.attachments import RefusedAttachment, Upload, check_batch, safe_filename
from portal_shared.errors import NotFound, ValidationFailed
from portal_shared.storage import AbstractStorage, StoredObjectMissing, content_key


@dataclass(frozen=True)
class Prepared:
    upload: Upload
    stored: StoredFile


def prepare_batch(uploads: list[Upload], *, field: str, already: int = 0) -> list[Prepared]:
    """Check and prepare every upload, or 422 naming `field` and the first refused file."""
    try:
        check_batch(uploads, already=already)
        return [Prepared(upload, prepare(upload.filename, upload.data)) for upload in uploads]
    except RefusedAttachment as refused:
        raise ValidationFailed(str(refused), errors={field: [str(refused)]}, code="attachment_refused") from None


def store_batch(session: Session, storage: AbstractStorage, prepared: list[Prepared], *, tenant_id: str,
                request_id: str, comment_id: str | None, first_position: int = 0) -> int:
    """Put the bytes (and thumbnails) in storage, then add their rows; returns how many."""
    for position, item in enumerate(prepared, start=first_position):
        stored = item.stored
        key = content_key(stored.data, stored.extension)
        storage.put(key, stored.data, stored.content_type)
        thumbnail_key = None
        if stored.thumbnail is not None:
            thumbnail_key = content_key(stored.thumbnail, stored.extension)
            storage.put(thumbnail_key, stored.thumbnail, stored.content_type)
        session.execute(sa.insert(attachments).values(
            id=str(uuid.uuid4()), tenant_id=tenant_id, request_id=request_id, comment_id=comment_id,
            filename=safe_filename(item.upload.filename, stored.extension), content_type=stored.content_type,
            size=len(stored.data), storage_key=key, thumbnail_key=thumbnail_key, position=position))
    return len(prepared)


def listed(session: Session, *, tenant_id: str, request_id: str) -> dict[str | None, list[dict]]:
    """The request's attachments by comment id (None: the request's own), in the order they were given."""
    rows = session.execute(sa.select(attachments).where(
        attachments.c.tenant_id == tenant_id, attachments.c.request_id == request_id)
        .order_by(attachments.c.created_at, attachments.c.position)).mappings()
    found: dict[str | None, list[dict]] = {}
    for row in rows:
        found.setdefault(row["comment_id"], []).append({
            "id": row["id"], "filename": row["filename"], "content_type": row["content_type"], "size": row["size"],
            "image": row["thumbnail_key"] is not None})
    return found


def read(session: Session, storage: AbstractStorage, *, tenant_id: str, request_id: str, attachment_id: str,
         thumbnail: bool) -> tuple[dict, bytes]:
    """(its row, its bytes). The caller has checked the customer may see the request (and the comment)."""
    row = session.execute(sa.select(attachments).where(
        attachments.c.tenant_id == tenant_id, attachments.c.request_id == request_id,
        attachments.c.id == attachment_id)).mappings().first()
    if row is None or (thumbnail and row["thumbnail_key"] is None):
        raise NotFound("No such attachment.")
    try:
        return dict(row), storage.get(row["thumbnail_key"] if thumbnail else row["storage_key"])
    except StoredObjectMissing:
        raise NotFound("No such attachment.") from None
