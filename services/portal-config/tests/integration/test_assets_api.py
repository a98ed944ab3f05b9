"""Uploading the portal's images and serving them: recognised by their bytes, re-encoded without
metadata, stored by their content, referenced by settings, served to anyone with immutable caching."""
from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image, PngImagePlugin

from portal_config.domain.assets import FORMAT_MESSAGE, SIZE_MESSAGE, storage_key

pytestmark = pytest.mark.integration


def _image(fmt: str, size=(300, 200), mode="RGB", colour=(20, 110, 50)) -> bytes:
    out = io.BytesIO()
    image = Image.new(mode, size, colour)
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "Hidden Author Name")
        image.save(out, "PNG", pnginfo=info)
    else:
        exif = Image.Exif()
        exif[0x010F] = "SpyCam Inc"
        exif[0x013B] = "Hidden Author Name"  # Artist
        image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def _upload(client, portal, data: bytes, kind: str = "carousel", filename: str = "picture.png",
            content_type: str = "image/png"):
    return client.post(f"/branches/{portal.branch_id}/assets", headers=portal.headers, content_type="multipart/form-data",
                       data={"kind": kind, "file": (io.BytesIO(data), filename, content_type)})


@pytest.mark.parametrize("fmt, kind, stored_as", [
    ("PNG", "login_logo", "image/png"), ("JPEG", "carousel", "image/webp"), ("WEBP", "nav_logo", "image/png"),
    ("JPEG", "nav_logo", "image/png"), ("WEBP", "carousel", "image/webp"),
])
def test_a_real_png_jpeg_or_webp_is_accepted_re_encoded_and_stored_by_its_content(client, portal, rows, storage,
                                                                                  fmt, kind, stored_as):
    north = portal()
    original = _image(fmt)
    assert b"Hidden Author Name" in original
    response = _upload(client, north, original, kind=kind, filename="upload.bin", content_type="application/octet-stream")
    assert response.status_code == 201, response.get_json()
    asset = response.get_json()
    assert (asset["kind"], asset["content_type"], asset["width"], asset["height"]) == (kind, stored_as, 300, 200)
    assert asset["url"] == f"/api/portal-config/assets/{asset['asset_id']}"

    (row,) = rows("assets")
    assert (str(row["id"]), str(row["tenant_id"]), str(row["branch_id"])) == \
        (asset["asset_id"], north.tenant_id, north.branch_id)
    stored = storage.get(storage_key(row["sha256"], stored_as.split("/")[1]))
    assert hashlib.sha256(stored).hexdigest() == row["sha256"] and len(stored) == row["size"]
    assert stored != original and b"Hidden Author Name" not in stored and b"SpyCam" not in stored
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {} and "Author" not in image.info


def test_a_transparent_logo_keeps_its_transparency(client, portal, storage, rows):
    north = portal()
    response = _upload(client, north, _image("PNG", mode="RGBA", colour=(0, 0, 0, 0)), kind="nav_logo")
    assert response.status_code == 201
    (row,) = rows("assets")
    image = Image.open(io.BytesIO(storage.get(storage_key(row["sha256"], "png"))))
    assert image.mode == "RGBA" and image.getpixel((5, 5))[3] == 0


def test_the_same_picture_uploaded_twice_is_one_asset(client, portal, rows):
    north = portal()
    first = _upload(client, north, _image("JPEG")).get_json()
    second = _upload(client, north, _image("JPEG")).get_json()
    assert first["asset_id"] == second["asset_id"] and len(rows("assets")) == 1


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'


@pytest.mark.parametrize("data, filename, content_type, message", [
    (SVG, "logo.svg", "image/svg+xml", FORMAT_MESSAGE),
    (SVG, "logo.png", "image/png", FORMAT_MESSAGE),
    (b"This is a text file, renamed.\n" * 20, "notes.png", "image/png", FORMAT_MESSAGE),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "scan.jpg", "image/jpeg", FORMAT_MESSAGE),
])
def test_anything_but_a_real_image_is_refused_naming_file(client, portal, rows, storage, data, filename, content_type,
                                                         message):
    north = portal()
    response = _upload(client, north, data, filename=filename, content_type=content_type)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"file": [message]}
    assert rows("assets") == [] and not storage.root.exists()


def test_a_3_mb_image_is_refused_naming_file(client, portal, rows):
    north = portal()
    noise = Image.frombytes("RGB", (1024, 1024), os.urandom(1024 * 1024 * 3))  # random pixels do not compress
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 3 * 1024 * 1024
    response = _upload(client, north, out.getvalue())
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"file": [SIZE_MESSAGE]}
    assert rows("assets") == []


def test_an_upload_without_a_file_or_with_an_unknown_kind_names_the_field(client, portal, rows):
    north = portal()
    missing = client.post(f"/branches/{north.branch_id}/assets", headers=north.headers,
                          content_type="multipart/form-data", data={"kind": "carousel"})
    assert missing.status_code == 422 and set(missing.get_json()["errors"]) == {"file"}
    wrong_kind = _upload(client, north, _image("PNG"), kind="favicon")
    assert wrong_kind.status_code == 422 and set(wrong_kind.get_json()["errors"]) == {"kind"}
    assert rows("assets") == []


def test_uploading_needs_the_same_rights_as_the_settings(client, portal, company, branch, rows):
    unpermitted = portal(permissions=())
    assert _upload(client, unpermitted, _image("PNG")).status_code == 403
    theirs = branch(company(name="Rival")["id"], slug="rival")["branch_id"]
    response = client.post(f"/branches/{theirs}/assets", headers=unpermitted.headers,
                           content_type="multipart/form-data",
                           data={"kind": "carousel", "file": (io.BytesIO(_image("PNG")), "a.png")})
    assert response.status_code == 404
    assert rows("assets") == []


def test_an_asset_is_served_to_anyone_with_its_type_and_immutable_caching(client, portal):
    north = portal()
    asset = _upload(client, north, _image("JPEG"), kind="carousel").get_json()
    response = client.get(f"/assets/{asset['asset_id']}")  # no identity, no token: the portal's <img> tags
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(response.data).hexdigest() == asset["sha256"]
    assert Image.open(io.BytesIO(response.data)).size == (300, 200)
    again = client.get(f"/assets/{asset['asset_id']}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_unknown_asset_answers_404(client):
    response = client.get("/assets/7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


def test_settings_refer_to_uploaded_images_by_id_and_publish_their_urls(client, portal, rows):
    north = portal()
    logo = _upload(client, north, _image("PNG"), kind="login_logo").get_json()
    slide = _upload(client, north, _image("JPEG"), kind="carousel").get_json()
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json={
        "login_logo_asset_id": logo["asset_id"], "nav_logo_asset_id": logo["asset_id"],
        "carousel": [{"asset_id": slide["asset_id"], "caption": "Spring", "link": "https://example.com/spring"}]})
    assert response.status_code == 200, response.get_json()
    form = response.get_json()["settings"]
    assert form["login_logo_url"] == logo["url"] and form["carousel"][0]["image_url"] == slide["url"]

    published = [r["payload"]["data"]["settings"] for r in rows("outbox")
                 if r["event_type"] == "portal_settings_updated"][-1]
    assert published["login_logo_url"] == published["nav_logo_url"] == logo["url"]
    assert published["carousel"] == [{"image_url": slide["url"], "caption": "Spring",
                                      "link": "https://example.com/spring"}]


def test_an_image_of_the_wrong_kind_or_of_another_company_cannot_be_referred_to(client, portal):
    north, rival = portal(), portal(company_name="Rival", slug="rival")
    slide = _upload(client, north, _image("JPEG"), kind="carousel").get_json()
    theirs = _upload(client, rival, _image("PNG"), kind="login_logo").get_json()
    response = client.put(f"/branches/{north.branch_id}/settings", headers=north.headers, json={
        "login_logo_asset_id": slide["asset_id"], "nav_logo_asset_id": theirs["asset_id"],
        "carousel": [{"asset_id": theirs["asset_id"]}]})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {
        "login_logo_asset_id": ["Use an image uploaded as a logo (login_logo or nav_logo)."],
        "nav_logo_asset_id": ["No such image; upload it first."],
        "carousel.0.asset_id": ["No such image; upload it first."]}
