"""The company seal (adapters/pdf_seal.py) on real PDFs with a real dev key pair: nothing faked."""
from __future__ import annotations

import pytest

from portal_proposals.adapters.pdf_seal import PdfSealer, SealNotConfigured, SealSettings, write_dev_seal_files


def _pdf(text: str = "Proposal #88") -> bytes:
    from weasyprint import HTML

    return HTML(string=f"<h1>{text}</h1><p>Accepted and signed.</p>").write_pdf()


@pytest.fixture(scope="module")
def sealer(tmp_path_factory) -> PdfSealer:
    return PdfSealer(SealSettings.from_env(write_dev_seal_files(tmp_path_factory.mktemp("keys"))))


@pytest.fixture(scope="module")
def sealed(sealer) -> bytes:
    return sealer.seal(_pdf(), reason="Proposal #88 signed in the customer portal", location="Customer portal")


def test_a_sealed_pdf_verifies_intact_whole_and_trusted(sealer, sealed):
    check = sealer.check(sealed)
    assert check.sealed and check.intact and check.whole_file and check.trusted and check.good
    assert "customer portal seal" in check.signer


def test_a_pdf_with_one_byte_changed_fails_verification(sealer, sealed):
    at = sealed.index(b"Accepted") if b"Accepted" in sealed else len(sealed) // 3
    tampered = bytearray(sealed)
    tampered[at] ^= 0x01
    assert not sealer.check(bytes(tampered)).good


def test_every_single_byte_flip_in_the_signed_ranges_fails(sealer, sealed):
    for at in (100, len(sealed) // 2, len(sealed) - 100):
        tampered = bytearray(sealed)
        tampered[at] = (tampered[at] + 1) % 256
        assert not sealer.check(bytes(tampered)).good, at


def test_anything_appended_after_the_seal_is_not_the_sealed_file(sealer, sealed):
    check = sealer.check(sealed + b"\n% appended\n")
    assert not check.good


def test_an_unsealed_or_unreadable_pdf_carries_no_seal(sealer):
    assert sealer.check(_pdf()).sealed is False
    assert sealer.check(b"not a pdf at all").sealed is False


def test_a_seal_by_another_key_is_not_trusted(sealer, tmp_path):
    other = PdfSealer(SealSettings.from_env(write_dev_seal_files(tmp_path / "other", company="Someone else")))
    check = sealer.check(other.seal(_pdf(), reason="forged"))
    assert check.intact and not check.trusted and not check.good


def test_without_key_files_configured_the_sealer_says_what_to_set():
    with pytest.raises(SealNotConfigured, match="PROPOSALS_SEAL_KEY_FILE"):
        SealSettings.from_env({})


def test_dev_keys_are_generated_once_and_kept(tmp_path):
    first = write_dev_seal_files(tmp_path)
    key = open(first["PROPOSALS_SEAL_KEY_FILE"], "rb").read()
    assert write_dev_seal_files(tmp_path) == first
    assert open(first["PROPOSALS_SEAL_KEY_FILE"], "rb").read() == key


def test_the_check_works_inside_a_running_event_loop_too(sealer, sealed):
    import asyncio

    async def inside():
        return sealer.check(sealed)

    assert asyncio.run(inside()).good
