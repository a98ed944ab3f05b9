"""What an attachment of a request may be: the rules, the messages that name the file, the safe name it is
served as. Pure: the bytes are recognised and re-encoded by `adapters.files`.

An attachment is a photo (JPEG, PNG, WebP, or HEIC from a phone) or a PDF, recognised by its bytes
(never its name or the browser's type), at most 10 MB, at most five per request or comment. SVG is
refused: it is a document that can carry script (ADR 0010).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_ATTACHMENTS = 5
MAX_BYTES = 10 * 1024 * 1024
MAX_NAME = 120
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIF",
               "image/heif": "HEIF"}
PDF = "application/pdf"
ACCEPTED_TYPES = (*IMAGE_TYPES, PDF)
# The largest picture decoded (a 48-megapixel phone photo fits); bigger is refused from its header.
MAX_PIXELS = 60_000_000
FULL_SIZE = (2560, 2560)       # a stored photo is shrunk to fit this
THUMBNAIL_SIZE = (320, 320)
ACCEPTED_WORDS = "a photo (JPEG, PNG, WebP or HEIC) or a PDF"


class RefusedAttachment(ValueError):
    """An upload that is not accepted; the message names the file and says why."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def not_accepted(name: str) -> RefusedAttachment:
    return RefusedAttachment(f"\u201c{name}\u201d is not {ACCEPTED_WORDS}.")


def too_large(name: str) -> RefusedAttachment:
    return RefusedAttachment(f"\u201c{name}\u201d is larger than {MAX_BYTES // (1024 * 1024)} MB.")


def too_many(name: str) -> RefusedAttachment:
    return RefusedAttachment(f"At most {MAX_ATTACHMENTS} attachments: \u201c{name}\u201d is one too many.")


def too_many_pixels(name: str) -> RefusedAttachment:
    return RefusedAttachment(f"\u201c{name}\u201d has too many pixels to be a photo we can show.")


def shown_name(filename: str | None) -> str:
    """The name as the customer gave it, for messages: one line, no path, at most MAX_NAME characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:MAX_NAME] or "file"


def check_batch(uploads: list[Upload], *, already: int = 0) -> None:
    """Count and size, before any byte is decoded: the first file past the limits is named."""
    for index, upload in enumerate(uploads):
        if already + index >= MAX_ATTACHMENTS:
            raise too_many(shown_name(upload.filename))
        if len(upload.data) > MAX_BYTES:
            raise too_large(shown_name(upload.filename))
        if not upload.data:
            raise not_accepted(shown_name(upload.filename))


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(filename: str | None, extension: str) -> str:
    """The name a stored file is served as: ASCII letters, digits, dot, dash, underscore and space, no
    leading dot, and the extension of what we stored (a `.exe` renamed `.jpg` and re-encoded is a `.jpg`)."""
    stem = shown_name(filename).lstrip(".") if filename else ""
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "attachment"
    return f"{stem[:80]}.{extension}"
