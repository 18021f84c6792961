"""PAdES signatures with pyHanko: sign with the organisation key, validate, make a trial key.

Signing is reproducible: the same PDF signed with the same key at the same given time gives
the same bytes. pyHanko reads the clock in three places and has no option for any of them
(MatthiasValvekens/pyHanko#569 asks for one), so two small subclasses pin them: the signing
session's time (the signature dictionary's /M), the update's modification date (/ModDate and
XMP ModifyDate) and the second file identifier (os.urandom otherwise). The signature itself
is RSA PKCS#1 v1.5, which is deterministic (PSS would not be).
"""
from __future__ import annotations

import functools
import hashlib
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app

from app.clock import now as clock_now

FIELD_NAME = "SendoffSignature"


def signing_configured() -> bool:
    """True when SIGNING_KEY_FILE points at a key."""
    return bool(current_app.config.get("SIGNING_KEY_FILE"))


def _password() -> bytes | None:
    password = current_app.config.get("SIGNING_KEY_PASSWORD")
    return password.encode() if password else None


@functools.lru_cache(maxsize=4)
def _load_signer(path: str, password: bytes | None, mtime: float):
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=password)
    if signer is None:
        raise RuntimeError(f"cannot load the signing key from {path} (wrong password?)")
    return signer


def signer():
    """The organisation's signer from SIGNING_KEY_FILE (PKCS#12), cached per file version."""
    path = current_app.config["SIGNING_KEY_FILE"]
    return _load_signer(path, _password(), Path(path).stat().st_mtime)


def organisation_key():
    """The organisation's private key and certificate as `cryptography` objects, read from
    the signer above (same file, password and cache): for signatures outside PDFs."""
    loaded = signer()
    key = serialization.load_der_private_key(loaded.signing_key.dump(), password=None)
    return key, x509.load_der_x509_certificate(loaded.signing_cert.dump())


def _outside_event_loop(fn, *args):
    """pyHanko drives asyncio.run() itself, which fails inside a running loop (an async
    server, or a test browser driver): then run it on a short-lived thread."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def sign_pdf(data: bytes, *, reason: str, signing_time: datetime, location: str = "") -> bytes:
    """Add a PAdES B-B signature as an incremental update (the PDF/A content is unchanged),
    dated `signing_time` (the time of the event the document records), not the clock's."""
    return _outside_event_loop(_sign_pdf, data, reason, location, signer(), signing_time)


def claimed_signing_time(signing_time: datetime, certificate) -> datetime:
    """The time the signature states: the given one, but never before the certificate was
    valid (a validator checking the certificate at the signing time would refuse it)."""
    if signing_time.tzinfo is None:
        signing_time = signing_time.replace(tzinfo=UTC)
    return max(signing_time.astimezone(UTC).replace(microsecond=0),
               certificate.not_valid_before.astimezone(UTC))


def _sign_pdf(data: bytes, reason: str, location: str, organisation_signer,
              signing_time: datetime) -> bytes:
    from pyhanko.sign import fields, signers

    pinned_signer, pinned_writer = _pinned_classes()
    at = claimed_signing_time(signing_time, organisation_signer.signing_cert)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", reason=reason, location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES)
    return pinned_signer(meta, organisation_signer, at).sign_pdf(pinned_writer(data, at)).getvalue()


@functools.cache
def _pinned_classes():
    """pyHanko's signer and incremental writer, with the time given instead of the clock's
    (built on first use, like every pyHanko import here)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.model import DocumentMetadata
    from pyhanko.sign import signers

    class PinnedSigner(signers.PdfSigner):
        """The signing session (/M of the signature) uses `at`, not datetime.now()."""

        def __init__(self, meta, signer, at: datetime):
            super().__init__(meta, signer=signer)
            self.at = at

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = self.at
            return session

    class PinnedMetadata(DocumentMetadata):
        """The writer sets last_modified to "now" as it writes; this one stays `at`."""

        def __init__(self, at: datetime):
            self.at = at
            super().__init__()

        @property
        def last_modified(self):
            return self.at

        @last_modified.setter
        def last_modified(self, _value):
            pass

    class PinnedWriter(IncrementalPdfFileWriter):
        """Dated `at` (/ModDate, XMP ModifyDate); the new half of the file identifier is
        derived from the content and the time instead of os.urandom."""

        def __init__(self, data: bytes, at: datetime):
            super().__init__(BytesIO(data))
            self._meta = PinnedMetadata(at)
            second = hashlib.sha256(b"sendoff-signed\0" + data + at.isoformat().encode())
            self._document_id = generic.ArrayObject([
                generic.ByteStringObject(self.document_id[0]),
                generic.ByteStringObject(second.digest()[:16])])

    return PinnedSigner, PinnedWriter


def validate_signatures(data: bytes, trust_roots=None) -> list[dict]:
    """Each embedded signature: who signed, whether it is intact, valid and trusted."""
    from pyhanko_certvalidator import ValidationContext

    if trust_roots is None and signing_configured():
        trust_roots = [signer().signing_cert]
    context = ValidationContext(trust_roots=list(trust_roots or []))
    return _outside_event_loop(_validate, data, context)


def _validate(data: bytes, context) -> list[dict]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    results = []
    for embedded in PdfFileReader(BytesIO(data), strict=False).embedded_signatures:
        status = validate_pdf_signature(embedded, context)
        results.append({"signer": status.signing_cert.subject.human_friendly,
                        "intact": status.intact, "valid": status.valid,
                        "trusted": status.trusted, "bottom_line": status.bottom_line,
                        "coverage": status.coverage.name})
    return results


def make_self_signed(common_name: str, organisation: str, password: str,
                     days: int = 365) -> tuple[bytes, bytes]:
    """A trial RSA key and self-signed certificate: (PKCS#12 bytes, certificate PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)])
    now = clock_now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(
        b"sendoff", key, cert, None, serialization.BestAvailableEncryption(password.encode()))
    return p12, cert.public_bytes(serialization.Encoding.PEM)
