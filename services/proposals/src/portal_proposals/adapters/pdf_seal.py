"""The company's seal on a signed proposal: a PAdES signature (pyHanko) by the company's key, made as a
certification signature that allows no later change, so any PDF reader shows whether the file was
altered after the portal sealed it; and the check the verify page runs on an uploaded PDF.

Keys and certificates are files named by the environment (production mounts them from its secret
store); `make run` and the end-to-end tests generate a dev pair with `write_dev_seal_files`:

- PROPOSALS_SEAL_KEY_FILE   the company's private key (PEM; PROPOSALS_SEAL_KEY_PASSPHRASE if encrypted)
- PROPOSALS_SEAL_CERT_FILE  its certificate (PEM), with the digitalSignature and nonRepudiation usages
- PROPOSALS_SEAL_CHAIN_FILE optional: the issuing certificates (PEM), embedded in each seal
- PROPOSALS_SEAL_TRUST_FILE the roots a seal must chain to for `check_seal` to call it trusted
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

SEAL_FIELD = "CompanySeal"


class SealNotConfigured(RuntimeError):
    """No key or certificate is configured: the portal cannot seal a signed proposal."""


@dataclass(frozen=True)
class SealSettings:
    key_file: Path
    cert_file: Path
    trust_file: Path
    chain_file: Path | None = None
    key_passphrase: bytes | None = None

    @classmethod
    def from_env(cls, environ=None) -> "SealSettings":
        environ = os.environ if environ is None else environ
        key, cert = environ.get("PROPOSALS_SEAL_KEY_FILE"), environ.get("PROPOSALS_SEAL_CERT_FILE")
        if not key or not cert:
            raise SealNotConfigured("Set PROPOSALS_SEAL_KEY_FILE and PROPOSALS_SEAL_CERT_FILE (PEM files).")
        chain = environ.get("PROPOSALS_SEAL_CHAIN_FILE") or None
        trust = environ.get("PROPOSALS_SEAL_TRUST_FILE") or chain or cert
        passphrase = environ.get("PROPOSALS_SEAL_KEY_PASSPHRASE")
        return cls(key_file=Path(key), cert_file=Path(cert), trust_file=Path(trust),
                   chain_file=Path(chain) if chain else None,
                   key_passphrase=passphrase.encode() if passphrase else None)


@dataclass(frozen=True)
class SealCheck:
    """What the seal of a PDF says. `intact`: the bytes it covers are unchanged and the signature is
    mathematically valid; `whole_file`: nothing was appended after it; `trusted`: its certificate
    chains to the configured roots."""
    sealed: bool
    intact: bool = False
    whole_file: bool = False
    trusted: bool = False
    signer: str | None = None
    signed_at: dt.datetime | None = None

    @property
    def good(self) -> bool:
        return self.sealed and self.intact and self.whole_file and self.trusted


def _pem_certs(path: Path):
    from asn1crypto import pem, x509

    certs = []
    for _type, _headers, der in pem.unarmor(path.read_bytes(), multiple=True):
        certs.append(x509.Certificate.load(der))
    return certs


class PdfSealer:
    """Seals PDFs with the configured key; loads the key once."""

    def __init__(self, settings: SealSettings):
        from pyhanko.sign import signers

        self.settings = settings
        chain = _pem_certs(settings.chain_file) if settings.chain_file else []
        self._signer = signers.SimpleSigner.load(
            str(settings.key_file), str(settings.cert_file), key_passphrase=settings.key_passphrase,
            other_certs=chain)
        if self._signer is None:
            raise SealNotConfigured(f"Cannot load the seal key {settings.key_file} / certificate {settings.cert_file}.")
        self._trust_roots = _pem_certs(settings.trust_file)

    def seal(self, pdf: bytes, *, reason: str, location: str = "") -> bytes:
        """The PDF with the company's certification signature (PAdES B-B, no later change allowed)."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        metadata = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD, reason=reason, location=location or None, md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES, certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES)
        return signers.sign_pdf(writer, metadata, signer=self._signer).getvalue()

    def check(self, pdf: bytes) -> SealCheck:
        return check_seal(pdf, self._trust_roots)


def check_seal(pdf: bytes, trust_roots) -> SealCheck:
    """The state of the company seal in `pdf` (any PDF: a broken or unsigned file is `sealed=False`)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        seals = [s for s in reader.embedded_signatures if s.field_name == SEAL_FIELD]
    except Exception:  # noqa: BLE001 — whatever was uploaded, an unreadable PDF carries no seal
        return SealCheck(sealed=False)
    if not seals:
        return SealCheck(sealed=False)
    def validate():
        return validate_pdf_signature(seals[0], ValidationContext(trust_roots=trust_roots, allow_fetching=False))

    try:
        status = _outside_any_event_loop(validate)
    except Exception:  # noqa: BLE001 — a mangled signature value breaks the CMS parser in many ways
        return SealCheck(sealed=True)
    return SealCheck(
        sealed=True, intact=bool(status.intact and status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        trusted=bool(status.trusted), signer=status.signing_cert.subject.human_friendly,
        signed_at=getattr(status, "signer_reported_dt", None))


def _outside_any_event_loop(call):
    """pyHanko's synchronous validation runs its own asyncio loop, which a thread already running one (an
    async caller, Playwright's sync API in a test) refuses: there it runs on a short-lived thread instead."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def write_dev_seal_files(directory: Path, *, company: str = "Portal dev company") -> dict[str, str]:
    """A dev CA and a seal certificate it issued, as PEM files in `directory` (kept if already there);
    returns the PROPOSALS_SEAL_* variables naming them. For `make run` and tests, never production."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {name: directory / f"{name}.pem" for name in ("seal-key", "seal-cert", "seal-ca")}
    if not all(p.exists() for p in files.values()):
        key_pem, cert_pem, ca_pem = _dev_seal_pems(company)
        for name, data in (("seal-key", key_pem), ("seal-cert", cert_pem), ("seal-ca", ca_pem)):
            tmp = files[name].with_suffix(".tmp")
            tmp.write_bytes(data)
            if name == "seal-key":
                tmp.chmod(0o600)
            tmp.replace(files[name])
    return {"PROPOSALS_SEAL_KEY_FILE": str(files["seal-key"]), "PROPOSALS_SEAL_CERT_FILE": str(files["seal-cert"]),
            "PROPOSALS_SEAL_CHAIN_FILE": str(files["seal-ca"]), "PROPOSALS_SEAL_TRUST_FILE": str(files["seal-ca"])}


def _dev_seal_pems(company: str) -> tuple[bytes, bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ca_key, seal_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{company} dev seal CA")])
    seal_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, company),
                           x509.NameAttribute(NameOID.COMMON_NAME, f"{company} (customer portal seal)")])
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    seal_cert = (x509.CertificateBuilder().subject_name(seal_name).issuer_name(ca_name)
                 .public_key(seal_key.public_key()).serial_number(x509.random_serial_number())
                 .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1825))
                 .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                 .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                              data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                              crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
                 .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
                 .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
                 .add_extension(x509.SubjectKeyIdentifier.from_public_key(seal_key.public_key()), critical=False)
                 .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_pem = seal_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem, seal_cert.public_bytes(pem), ca_cert.public_bytes(pem)


if __name__ == "__main__":  # `python -m portal_proposals.adapters.pdf_seal DIR`: a dev pair (docker-compose)
    import sys

    for name, value in write_dev_seal_files(Path(sys.argv[1])).items():
        print(f"{name}={value}")
