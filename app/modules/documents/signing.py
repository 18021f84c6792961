"""PAdES signatures with pyHanko: sign with the organisation key, validate, make a trial key."""
from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app

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


def sign_pdf(data: bytes, *, reason: str, location: str = "") -> bytes:
    """Add a PAdES B-B signature as an incremental update (the PDF/A content is unchanged)."""
    return _outside_event_loop(_sign_pdf, data, reason, location, signer())


def _sign_pdf(data: bytes, reason: str, location: str, organisation_signer) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", reason=reason, location=location or None,
        subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(writer, meta, signer=organisation_signer).getvalue()


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
    now = datetime.now(UTC)
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
