"""Use cases of uploaded images: accept (recognise, re-encode, store by content) and serve.

The bytes go to storage before the row is committed: a failed transaction can leave an
unreferenced object behind (harmless: objects are named by their content), never a row
without its bytes.
"""
from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy.orm import Session

from portal_config.adapters import images
from portal_config.adapters.orm import Asset, Branch
from portal_config.adapters.storage import AbstractStorage, StoredObjectMissing
from portal_config.domain.assets import RENDITIONS, InvalidUpload, asset_url, check_kind, storage_key
from portal_shared.errors import NotFound, ValidationFailed
from portal_shared.logging import get_logger

log = get_logger(__name__)


def _invalid(error: InvalidUpload) -> ValidationFailed:
    return ValidationFailed(error.message, errors={error.field: [error.message]})


def upload_asset(session: Session, storage: AbstractStorage, branch: Branch, *, kind: Any, data: bytes) -> Asset:
    """Accept an image for `branch`; the same picture uploaded again returns the same asset."""
    try:
        kind = check_kind(kind)
        encoded = images.reencode(data, kind)
    except InvalidUpload as error:
        raise _invalid(error) from None
    sha256 = hashlib.sha256(encoded.data).hexdigest()
    existing = _find(session, branch.id, kind, sha256)
    storage.put(storage_key(sha256, encoded.extension), encoded.data, encoded.content_type)
    if existing is not None:
        return existing
    asset = Asset(tenant_id=branch.tenant_id, branch_id=branch.id, kind=kind, content_type=encoded.content_type,
                  width=encoded.width, height=encoded.height, size=len(encoded.data), sha256=sha256)
    try:
        with session.begin_nested():
            session.add(asset)
            session.flush()
    except sa.exc.IntegrityError:  # the same upload, concurrently: theirs is as good as ours
        return _find(session, branch.id, kind, sha256)
    log.info("asset_stored", asset_id=asset.id, kind=kind, size=asset.size, width=asset.width, height=asset.height)
    return asset


def _find(session: Session, branch_id: str, kind: str, sha256: str) -> Asset | None:
    return session.scalar(sa.select(Asset).where(Asset.branch_id == branch_id, Asset.kind == kind,
                                                 Asset.sha256 == sha256))


def read_asset(session: Session, storage: AbstractStorage, asset_id: str) -> tuple[Asset, bytes]:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise NotFound("No such image.")
    extension = next(r.extension for r in RENDITIONS.values() if r.content_type == asset.content_type)
    try:
        return asset, storage.get(storage_key(asset.sha256, extension))
    except StoredObjectMissing:
        log.error("asset_bytes_missing", asset_id=asset.id, sha256=asset.sha256)
        raise NotFound("No such image.") from None


def asset_view(asset: Asset) -> dict[str, Any]:
    return {"asset_id": asset.id, "url": asset_url(asset.id), "kind": asset.kind, "content_type": asset.content_type,
            "width": asset.width, "height": asset.height, "size": asset.size, "sha256": asset.sha256,
            "created_at": asset.created_at}
