"""Rules for uploaded images (logos and carousel photos), free of Pillow and storage.

An upload is recognised by its bytes, never by its name or Content-Type; only PNG, JPEG and
WebP are accepted (SVG can carry scripts and is refused). Every accepted image is re-encoded,
which drops its metadata (EXIF, GPS, comments, colour profiles) and anything hidden after the
image data: logos become PNG (transparency kept), carousel photos WebP.
"""
from __future__ import annotations

from dataclasses import dataclass

LOGIN_LOGO, NAV_LOGO, CAROUSEL = "login_logo", "nav_logo", "carousel"
KINDS = (LOGIN_LOGO, NAV_LOGO, CAROUSEL)
LOGO_KINDS = frozenset({LOGIN_LOGO, NAV_LOGO})

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Larger pictures are refused before their pixels are decoded (decompression bombs).
MAX_SOURCE_WIDTH = MAX_SOURCE_HEIGHT = 4000
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")

FORMAT_MESSAGE = "Upload a PNG, JPEG or WebP image."
SIZE_MESSAGE = "The image must be 2 MB or smaller."
DIMENSIONS_MESSAGE = f"The image must be at most {MAX_SOURCE_WIDTH}×{MAX_SOURCE_HEIGHT} pixels."
MISSING_MESSAGE = "Choose an image to upload."
KIND_MESSAGE = "Choose login_logo, nav_logo or carousel."

# Where the gateway exposes GET /assets/<id> of this service (relative to any portal host).
ASSET_URL_PREFIX = "/api/portal-config/assets/"


@dataclass(frozen=True)
class Rendition:
    """How an accepted image of a kind is stored: format and the box it is shrunk to fit."""

    format: str
    content_type: str
    extension: str
    max_width: int
    max_height: int


RENDITIONS: dict[str, Rendition] = {
    LOGIN_LOGO: Rendition("PNG", "image/png", "png", 800, 800),
    NAV_LOGO: Rendition("PNG", "image/png", "png", 800, 800),
    CAROUSEL: Rendition("WEBP", "image/webp", "webp", 1600, 1200),
}


class InvalidUpload(ValueError):
    """Refused upload; `field` is the form field to name in the answer (`file` or `kind`)."""

    def __init__(self, message: str, field: str = "file"):
        super().__init__(message)
        self.field = field
        self.message = message


def check_kind(kind: object) -> str:
    if not isinstance(kind, str) or kind.strip() not in KINDS:
        raise InvalidUpload(KIND_MESSAGE, field="kind")
    return kind.strip()


def check_size(size: int) -> None:
    if size == 0:
        raise InvalidUpload(MISSING_MESSAGE)
    if size > MAX_UPLOAD_BYTES:
        raise InvalidUpload(SIZE_MESSAGE)


def check_dimensions(width: int, height: int) -> None:
    if width < 1 or height < 1:
        raise InvalidUpload(FORMAT_MESSAGE)
    if width > MAX_SOURCE_WIDTH or height > MAX_SOURCE_HEIGHT:
        raise InvalidUpload(DIMENSIONS_MESSAGE)


def fits_in(width: int, height: int, rendition: Rendition) -> tuple[int, int]:
    """The size an image is shrunk to so it fits the rendition's box (never enlarged)."""
    scale = min(1.0, rendition.max_width / width, rendition.max_height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def asset_url(asset_id: str | None) -> str | None:
    return f"{ASSET_URL_PREFIX}{asset_id}" if asset_id else None


def storage_key(sha256: str, extension: str) -> str:
    """Stored objects are named by their content: the same bytes are stored once."""
    return f"{sha256[:2]}/{sha256}.{extension}"
