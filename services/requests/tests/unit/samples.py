"""Files the tests upload: real photos made with Pillow (one with GPS in its EXIF), a PDF, and the files that
must be refused (an executable renamed .jpg, an SVG, an 11 MB file)."""
from __future__ import annotations

import io

from PIL import ExifTags, Image


def jpeg_with_gps(width: int = 800, height: int = 600, colour=(30, 120, 40)) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (38.0, 37.0, 29.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (90.0, 11.0, 52.0)
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(width: int = 64, height: int = 48, transparent: bool = False) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA" if transparent else "RGB", (width, height), (10, 20, 30, 0) if transparent else (10, 20, 30)
              ).save(out, "PNG")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 100, 0)).save(out, "WEBP")
    return out.getvalue()


def heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (0, 90, 200)).save(out, "HEIF")
    return out.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n2 0 obj <</Type /Pages /Kids [] /Count 0>> "
       b"endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"PE\x00\x00"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b'<script>alert(document.cookie)</script></svg>')


def eleven_megabytes() -> bytes:
    """A real JPEG header followed by padding: 11 MB, refused by its size before it is decoded."""
    return jpeg_with_gps(16, 16) + b"\x00" * (11 * 1024 * 1024)
