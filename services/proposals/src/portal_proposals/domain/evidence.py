"""What makes a portal signature hold up, as rules (no Flask, SQLAlchemy or pika here).

- The audit trail's kinds of event: what happened to a proposal in the customer's hands.
- The consent to sign electronically (an ESIGN/UETA-style disclosure), versioned: the text a customer
  accepts is named by its version on the signature and in the trail, so the wording of any past
  signature can be shown again. A new wording is a new version; old versions stay here, unchanged.
- The customer's mark: a drawn signature (a PNG from the pad, bounded) or a typed name, for those who
  cannot draw. Either way it is "a mark", which *Accept & Sign* waits for.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

# -- the audit trail ------------------------------------------------------------------------------

SENT, VIEWED, CONSENT_SHOWN, CONSENT_ACCEPTED, OPTIONS_CHOSEN, SIGNED = (
    "sent", "viewed", "consent_shown", "consent_accepted", "optional_services_chosen", "signed")
EVENT_KINDS = (SENT, VIEWED, CONSENT_SHOWN, CONSENT_ACCEPTED, OPTIONS_CHOSEN, SIGNED)
# What the customer's browser may report itself; the rest is recorded by the service as it acts.
REPORTED_BY_BROWSER = (CONSENT_SHOWN,)
EVENT_LABELS = {
    SENT: "Proposal sent to the customer", VIEWED: "Proposal PDF viewed",
    CONSENT_SHOWN: "Electronic signature disclosure shown", CONSENT_ACCEPTED: "Electronic signature disclosure accepted",
    OPTIONS_CHOSEN: "Optional services chosen", SIGNED: "Proposal signed",
}

# -- consent ----------------------------------------------------------------------------------------

CONSENTS = {
    "2026-11": (
        "By selecting Accept & Sign you agree to sign this proposal electronically. Your electronic "
        "signature has the same legal effect as a handwritten one (the U.S. ESIGN Act and the Uniform "
        "Electronic Transactions Act). You may instead ask your service contact for a paper copy to sign; "
        "you may withdraw this consent for future documents at any time by telling your service contact; "
        "and you may download the signed proposal, which the portal keeps for you. To sign you need a "
        "current web browser and a PDF reader. We record the time, your name, your network address and "
        "browser, the optional services you choose and the document you saw, and seal the signed PDF so "
        "that any change to it can be detected."
    ),
}
CURRENT_CONSENT = "2026-11"


def consent_text(version: str) -> str | None:
    return CONSENTS.get(version)


def consent_sha256(version: str) -> str:
    return hashlib.sha256(CONSENTS[version].encode("utf-8")).hexdigest()


# -- the mark ---------------------------------------------------------------------------------------

DRAWN, TYPED = "drawn", "typed"
MAX_PNG_BYTES = 256 * 1024
MAX_PNG_SIDE = 4000
MIN_TYPED, MAX_TYPED = 2, 100
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"


@dataclass(frozen=True)
class Mark:
    kind: str
    png: bytes | None = None
    typed_name: str | None = None


def read_mark(kind: str, value: str) -> tuple[Mark | None, str | None]:
    """The customer's mark from the pad, or (None, why it is not one)."""
    if kind == TYPED:
        name = " ".join((value or "").split())
        if not MIN_TYPED <= len(name) <= MAX_TYPED:
            return None, f"Type your full name ({MIN_TYPED} to {MAX_TYPED} characters)."
        return Mark(TYPED, typed_name=name), None
    if kind != DRAWN:
        return None, "Draw or type your signature."
    if not (value or "").startswith(DATA_URL_PREFIX):
        return None, "Draw your signature in the signature area."
    try:
        png = base64.b64decode(value[len(DATA_URL_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        return None, "The signature image could not be read."
    if len(png) > MAX_PNG_BYTES:
        return None, "The signature image is too large."
    size = png_size(png)
    if size is None or not (0 < size[0] <= MAX_PNG_SIDE and 0 < size[1] <= MAX_PNG_SIDE):
        return None, "The signature image could not be read."
    return Mark(DRAWN, png=png), None


def png_size(png: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR, or None when it is not a PNG."""
    if len(png) < 24 or not png.startswith(PNG_MAGIC) or png[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", png[16:24])


def chosen_services(offered: list[dict], chosen: list[str]) -> tuple[list[dict], str | None]:
    """The optional services the customer ticked, in the proposal's order, or (…, why not): each must be
    offered by this version, once."""
    names = [o["name"] for o in offered]
    if len(set(chosen)) != len(chosen):
        return [], "An optional service is chosen twice."
    unknown = [c for c in chosen if c not in names]
    if unknown:
        return [], f"Not an optional service of this proposal: {unknown[0]}"
    return [o for o in offered if o["name"] in chosen], None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
