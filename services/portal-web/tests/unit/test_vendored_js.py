"""The browser libraries portal-web serves itself (ADR 0028) are exactly the versions package.json pins:
the committed file's SHA-256 is the one `scripts/vendor-js.sh` printed from the npm tarball whose
integrity package-lock.json records, so nobody edits or swaps it unnoticed."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import portal_web

WEB = Path(portal_web.__file__).resolve().parents[2]
VENDOR = Path(portal_web.__file__).parent / "static" / "vendor"

# signature_pad 5.1.4, dist/signature_pad.umd.min.js (scripts/vendor-js.sh prints it).
SIGNATURE_PAD = ("5.1.4", "e3ad651350055083e8f635d07598bc3a96f1e7be075977b49067d28803066af4")


def test_signature_pad_is_the_pinned_release_byte_for_byte():
    version, digest = SIGNATURE_PAD
    served = (VENDOR / "signature_pad" / "signature_pad.umd.min.js").read_bytes()
    assert hashlib.sha256(served).hexdigest() == digest
    assert f"Signature Pad v{version}".encode() in served[:200]


def test_package_json_and_its_lock_pin_the_same_signature_pad():
    version, _ = SIGNATURE_PAD
    assert json.loads((WEB / "package.json").read_text())["dependencies"]["signature_pad"] == version
    locked = json.loads((WEB / "package-lock.json").read_text())["packages"]["node_modules/signature_pad"]
    assert locked["version"] == version and locked["integrity"].startswith("sha512-")


def test_signature_pad_ships_with_its_licence():
    assert "MIT License" in (VENDOR / "signature_pad" / "LICENSE").read_text()
