"""What an attachment may be, and what is stored of it: recognised by its bytes, photos re-encoded without
their metadata and thumbnailed, the rest refused with a message naming the file."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from portal_requests.adapters.files import prepare
from portal_requests.domain.attachments import RefusedAttachment, Upload, check_batch, safe_filename
from .samples import EXECUTABLE, PDF, SVG, eleven_megabytes, heic, jpeg_with_gps, png, webp


def test_a_phone_photo_is_re_encoded_without_its_gps_and_thumbnailed():
    original = jpeg_with_gps(3000, 2000)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)   # the sample does carry GPS
    stored = prepare("IMG_0001.JPG", original)
    assert stored.content_type == "image/jpeg" and stored.extension == "jpg"
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "JPEG" and max(image.size) <= 2560
    assert not image.getexif() and b"PhoneMaker" not in stored.data
    thumbnail = Image.open(io.BytesIO(stored.thumbnail))
    assert max(thumbnail.size) <= 320


@pytest.mark.parametrize("make, content_type", [(png, "image/jpeg"), (webp, "image/jpeg"), (heic, "image/jpeg")])
def test_png_webp_and_heic_photos_are_accepted(make, content_type):
    stored = prepare("photo", make())
    assert stored.content_type == content_type and stored.thumbnail


def test_a_transparent_png_stays_a_png():
    assert prepare("logo.png", png(transparent=True)).content_type == "image/png"


def test_a_pdf_is_kept_as_sent():
    stored = prepare("quote.pdf", PDF)
    assert stored.content_type == "application/pdf" and stored.data == PDF and stored.thumbnail is None


@pytest.mark.parametrize("name, data", [("holiday.jpg", EXECUTABLE), ("drawing.svg", SVG),
                                        ("drawing.png", SVG), ("empty.pdf", b"%PDF-1.4 no end")])
def test_what_is_not_a_photo_or_a_pdf_is_refused_naming_the_file(name, data):
    with pytest.raises(RefusedAttachment, match=name.replace(".", r"\.")):
        prepare(name, data)


def test_an_eleven_megabyte_file_is_refused_naming_it():
    with pytest.raises(RefusedAttachment, match="big.jpg.*larger than 10 MB"):
        check_batch([Upload("big.jpg", eleven_megabytes())])


def test_a_sixth_attachment_is_refused_naming_it():
    uploads = [Upload(f"p{n}.png", png()) for n in range(1, 7)]
    with pytest.raises(RefusedAttachment, match="p6.png.*one too many"):
        check_batch(uploads)
    with pytest.raises(RefusedAttachment, match="p2.png"):
        check_batch(uploads[:3], already=4)


@pytest.mark.parametrize("given, extension, served", [
    ("IMG_0001.HEIC", "jpg", "IMG_0001.jpg"),
    ("../../etc/passwd", "jpg", "passwd.jpg"),
    ('a"b;c\r\n.png', "png", "a_b_c.png"),
    ("Ünïcödé façade.jpeg", "jpg", "Unicode facade.jpg"),
    (".htaccess", "pdf", "htaccess.pdf"),
    ("", "pdf", "attachment.pdf"),
])
def test_a_file_is_served_under_a_safe_name_with_the_extension_of_what_was_stored(given, extension, served):
    assert safe_filename(given, extension) == served
