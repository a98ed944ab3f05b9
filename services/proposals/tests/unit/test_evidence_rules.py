"""The rules of a portal signature (domain/evidence.py): the mark, the disclosure, the chosen services."""
from __future__ import annotations

import base64
import struct
import zlib

from portal_proposals.domain import evidence as rules


def png(width: int = 40, height: int = 20) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (rules.PNG_MAGIC + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def data_url(data: bytes) -> str:
    return rules.DATA_URL_PREFIX + base64.b64encode(data).decode()


def test_a_drawn_mark_is_a_png_from_the_pad():
    mark, error = rules.read_mark("drawn", data_url(png()))
    assert error is None and mark.kind == "drawn" and mark.png.startswith(rules.PNG_MAGIC)


def test_a_drawn_mark_that_is_not_a_png_or_too_large_is_refused():
    assert rules.read_mark("drawn", "data:image/svg+xml;base64,PHN2Zy8+")[0] is None
    assert rules.read_mark("drawn", data_url(b"GIF89a" + b"\x00" * 30))[0] is None
    assert rules.read_mark("drawn", rules.DATA_URL_PREFIX + "not base64!")[0] is None
    assert rules.read_mark("drawn", data_url(png(5000, 10)))[0] is None
    assert rules.read_mark("drawn", data_url(rules.PNG_MAGIC + b"\x00" * rules.MAX_PNG_BYTES))[0] is None


def test_a_typed_mark_is_the_name_with_its_spaces_tidied():
    mark, error = rules.read_mark("typed", "  Camilla   Sailor ")
    assert error is None and mark.kind == "typed" and mark.typed_name == "Camilla Sailor"
    assert rules.read_mark("typed", " x ")[0] is None
    assert rules.read_mark("typed", "x" * 101)[0] is None


def test_no_mark_at_all_is_refused():
    assert rules.read_mark("stamped", "anything")[0] is None
    assert rules.read_mark("drawn", "")[0] is None


def test_the_disclosure_is_versioned_and_its_digest_names_its_words():
    text = rules.consent_text(rules.CURRENT_CONSENT)
    assert "ESIGN" in text and "Uniform Electronic Transactions Act" in text and "paper copy" in text
    assert len(rules.consent_sha256(rules.CURRENT_CONSENT)) == 64
    assert rules.consent_text("1999-01") is None


def test_chosen_services_must_be_offered_once_and_keep_the_proposals_order():
    offered = [{"name": "Seasonal Color Rotation", "amount_cents": 125000},
               {"name": "Irrigation Audit", "amount_cents": 35000}]
    chosen, error = rules.chosen_services(offered, ["Irrigation Audit"])
    assert error is None and chosen == [offered[1]]
    assert rules.chosen_services(offered, ["Irrigation Audit", "Irrigation Audit"])[1]
    assert "Snow Removal" in rules.chosen_services(offered, ["Snow Removal"])[1]
    assert rules.chosen_services(offered, []) == ([], None)
