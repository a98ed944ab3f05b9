"""The Pillow adapter: uploads recognised by their bytes, re-encoded without metadata, bombs refused."""
from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from portal_config.adapters.images import banner, reencode
from portal_config.domain.assets import (
    DIMENSIONS_MESSAGE,
    FORMAT_MESSAGE,
    RENDITIONS,
    SIZE_MESSAGE,
    InvalidUpload,
    check_kind,
    fits_in,
)


def _png(size=(64, 32), mode="RGBA", colour=(10, 120, 40, 128), text: dict | None = None) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _jpeg_with_exif(size=(120, 80)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"      # Make
    exif[0x8298] = "Secret Owner"    # Copyright
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _refusal(data: bytes, kind: str = "nav_logo") -> str:
    with pytest.raises(InvalidUpload) as raised:
        reencode(data, kind)
    assert raised.value.field == "file"
    return raised.value.message


def test_a_transparent_png_logo_stays_a_transparent_png_without_its_text_chunks():
    result = reencode(_png(text={"Comment": "internal secret"}), "login_logo")
    image = Image.open(io.BytesIO(result.data))
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (64, 32))
    assert image.getpixel((0, 0))[3] == 128
    assert "Comment" not in image.info and b"internal secret" not in result.data


def test_a_jpeg_photo_loses_its_exif_when_re_encoded():
    original = _jpeg_with_exif()
    assert b"SpyCam" in original
    result = reencode(original, "carousel")
    image = Image.open(io.BytesIO(result.data))
    assert image.format == "WEBP" and result.content_type == "image/webp"
    assert dict(image.getexif()) == {} and b"SpyCam" not in result.data and b"Secret Owner" not in result.data


def test_a_large_photo_is_shrunk_to_fit_its_box_keeping_its_shape():
    out = io.BytesIO()
    Image.new("RGB", (3200, 1600), (0, 90, 0)).save(out, "JPEG")
    result = reencode(out.getvalue(), "carousel")
    assert (result.width, result.height) == (1600, 800)


def test_a_small_image_is_never_enlarged():
    assert fits_in(100, 50, RENDITIONS["carousel"]) == (100, 50)


@pytest.mark.parametrize("data", [
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"just some text pretending to be a png",
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
])
def test_anything_but_png_jpeg_or_webp_is_refused_by_its_bytes(data):
    assert _refusal(data) == FORMAT_MESSAGE


def test_a_gif_is_refused_even_though_pillow_could_read_it():
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    assert _refusal(out.getvalue()) == FORMAT_MESSAGE


def test_a_truncated_png_is_refused():
    data = _png(size=(300, 300), mode="RGB", colour=(1, 2, 3))
    assert _refusal(data[: len(data) // 2]) == FORMAT_MESSAGE


def test_an_image_over_2_mb_is_refused_before_decoding():
    assert _refusal(b"\x89PNG" + b"\0" * (2 * 1024 * 1024)) == SIZE_MESSAGE


@pytest.mark.parametrize("size", [(20000, 20000), (4001, 10), (10, 4001)])
def test_a_decompression_bomb_or_an_oversized_picture_is_refused_from_its_header(size):
    # 20000×20000 pixels of one colour compress to a few hundred kilobytes.
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    assert len(out.getvalue()) < 2 * 1024 * 1024
    assert _refusal(out.getvalue()) == DIMENSIONS_MESSAGE


def test_only_the_three_kinds_are_known():
    assert check_kind("carousel") == "carousel"
    with pytest.raises(InvalidUpload) as raised:
        check_kind("favicon")
    assert raised.value.field == "kind"


def test_the_demo_banner_is_the_same_picture_every_time():
    assert banner("Spring cleanup") == banner("Spring cleanup")
    assert Image.open(io.BytesIO(banner("Spring cleanup"))).size == (1200, 400)
