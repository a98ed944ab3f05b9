"""Pillow: recognise an uploaded image by its bytes and re-encode it; draw the demo banners.

What an image must be is decided in `domain.assets`; this module only does the pixel work.
Re-encoding builds a fresh image from the decoded pixels, so nothing of the original file
(EXIF/GPS, text chunks, colour profiles, trailing data, further animation frames) survives.
"""
from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps, UnidentifiedImageError

from portal_config.domain.assets import (
    ACCEPTED_FORMATS,
    DIMENSIONS_MESSAGE,
    FORMAT_MESSAGE,
    RENDITIONS,
    InvalidUpload,
    check_dimensions,
    check_size,
    fits_in,
)

# What a malformed or hostile file can make a decoder raise.
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, TypeError,
                  IndexError, KeyError, struct.error)


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def reencode(data: bytes, kind: str) -> EncodedImage:
    """Accept a PNG, JPEG or WebP (by its bytes) and store-ready re-encode it for `kind`."""
    check_size(len(data))
    rendition = RENDITIONS[kind]
    image = _decode(data)
    image = _clean_mode(image)
    size = fits_in(image.width, image.height, rendition)
    if size != image.size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if rendition.format == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=82, method=4)
    return EncodedImage(out.getvalue(), rendition.content_type, rendition.extension, image.width, image.height)


def _decode(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # Pillow's own bomb limit, as an error rather than a warning.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS)) as opened:
                if opened.format not in ACCEPTED_FORMATS:
                    raise InvalidUpload(FORMAT_MESSAGE)
                # The header gives the size: refuse a bomb before decoding a single pixel.
                check_dimensions(*opened.size)
                opened.seek(0)
                opened.load()
                upright = ImageOps.exif_transpose(opened)
        except InvalidUpload:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidUpload(DIMENSIONS_MESSAGE) from None
        except _DECODE_ERRORS:
            raise InvalidUpload(FORMAT_MESSAGE) from None
    return upright


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _clean_mode(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image is transparent; a new image carrying pixels and nothing else."""
    mode = "RGBA" if _has_alpha(image) else "RGB"
    converted = image.convert(mode)
    return Image.frombytes(mode, converted.size, converted.tobytes())


# -- demo banners --------------------------------------------------------------------------------

PALETTES = (
    ((27, 94, 32), (102, 187, 106)),   # greens
    ((13, 71, 161), (79, 195, 247)),   # blues
    ((121, 85, 72), (255, 183, 77)),   # soil to sun
)


def banner(caption: str, *, width: int = 1200, height: int = 400, palette: int = 0) -> bytes:
    """A PNG banner: a diagonal gradient, soft leaf-like circles, and the caption in white."""
    start, end = PALETTES[palette % len(PALETTES)]
    vertical = Image.linear_gradient("L").resize((width, height))
    horizontal = Image.linear_gradient("L").rotate(90).transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((width, height))
    mask = Image.blend(horizontal, vertical, 0.35)
    image = Image.composite(Image.new("RGB", (width, height), end), Image.new("RGB", (width, height), start), mask)
    overlay = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for i in range(9):
        radius = 60 + (i * 37) % 140
        x = (i * 173 + palette * 97) % width
        y = (i * 89 + palette * 53) % height
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255, 22 + (i % 3) * 8))
    overlay = overlay.filter(ImageFilter.GaussianBlur(6))
    image = Image.alpha_composite(image.convert("RGBA"), overlay)

    draw = ImageDraw.Draw(image)
    font_size = max(24, height // 8)
    font = _font(size=font_size)
    lines = _wrap(draw, caption, font, width - 160)
    line_height = int(font_size * 1.25)
    top = (height - line_height * len(lines)) // 2
    for n, line in enumerate(lines):
        text_width = draw.textlength(line, font=font)
        x, y = (width - text_width) / 2, top + n * line_height
        draw.text((x + 2, y + 3), line, font=font, fill=(0, 0, 0, 110))
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return out.getvalue()


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]
