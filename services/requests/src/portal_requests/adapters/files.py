"""Recognise an uploaded attachment by its bytes and make the file we store (Pillow, pillow-heif, filetype).

The type comes from the file's magic bytes (`filetype`), never from its name or the browser's word.
A photo is decoded (its header checked for size before any pixel), turned upright, and re-encoded
from its pixels alone: EXIF and GPS data, comments, colour profiles, trailing bytes and further frames
do not survive. JPEG out, or PNG when the picture is transparent; HEIC becomes JPEG (browsers cannot
show it). A PDF must start with `%PDF-` and end with `%%EOF`; it is stored as sent and only ever
served as a download.
"""
from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

import filetype
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from portal_requests.domain.attachments import (
    FULL_SIZE,
    IMAGE_TYPES,
    MAX_PIXELS,
    PDF,
    THUMBNAIL_SIZE,
    not_accepted,
    shown_name,
    too_many_pixels,
)

pillow_heif.register_heif_opener()

_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, TypeError,
                  IndexError, KeyError, struct.error, MemoryError)


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str
    extension: str
    thumbnail: bytes | None = None      # images only, in the same type


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes say they are, or None."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def prepare(filename: str | None, data: bytes) -> StoredFile:
    """The file to store for this upload, or RefusedAttachment naming it."""
    name = shown_name(filename)
    mime = sniff(data)
    if mime == PDF:
        if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
            raise not_accepted(name)
        return StoredFile(data, PDF, "pdf")
    if mime not in IMAGE_TYPES:
        raise not_accepted(name)
    image = _decode(data, IMAGE_TYPES[mime], name)
    return _encode(image)


def _decode(data: bytes, pillow_format: str, name: str) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise too_many_pixels(name)
                opened.seek(0)
                opened.load()
                upright = ImageOps.exif_transpose(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_many_pixels(name) from None
        except _DECODE_ERRORS:
            raise not_accepted(name) from None
    return upright


def _pixels_only(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when transparent: a new image carrying the pixels and nothing else."""
    transparent = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    mode = "RGBA" if transparent else "RGB"
    converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


def _save(image: Image.Image, transparent: bool) -> bytes:
    out = io.BytesIO()
    if transparent:
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _encode(image: Image.Image) -> StoredFile:
    clean = _pixels_only(image)
    transparent = clean.mode == "RGBA"
    clean.thumbnail(FULL_SIZE, Image.Resampling.LANCZOS)
    thumbnail = clean.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
    content_type, extension = ("image/png", "png") if transparent else ("image/jpeg", "jpg")
    return StoredFile(_save(clean, transparent), content_type, extension, _save(thumbnail, transparent))
