"""Signed checkpoints of the audit chain, kept outside the database.

The chain proves that no row was changed in place, but whoever can write the database can
rewrite its tail and recompute the hashes and the head. A checkpoint anchors the chain
outside it: the head's hash, the row count, the last row's id and the time, signed with the
organisation key (the documents' PAdES key) as a detached signature over canonical JSON,
with the certificate embedded. Each one is a JSON file of its own in AUDIT_CHECKPOINT_DIR,
never overwritten, and optionally mailed to AUDIT_CHECKPOINT_EMAIL. `flask audit verify`
checks each file's signature, trusts only the organisation's certificates, and hands what
the valid files say to the engine's verifier as anchors.
"""
from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from flask import current_app
from sqlalchemy import func, select

from app.clock import now as clock_now
from app.db import sqlite_begin
from app.engine.audit import GENESIS, Anchor, Problem
from app.engine.definition import canonical_json
from app.engine.models import AuditEvent, AuditHead
from app.modules.documents.signing import organisation_key, signing_configured
from app.modules.notifications.mail import Attachment, MailError, send_mail
from app.modules.notifications.rendering import render_message

log = logging.getLogger(__name__)
SCHEMA = "sendoff-audit-checkpoint/1"
CLAIMS = ("schema", "head_hash", "last_id", "row_count", "created_at")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"  # UTC, to the microsecond


class CheckpointError(RuntimeError):
    """No checkpoint can be written now (no key, an empty chain, a head out of place)."""


@dataclass(frozen=True)
class Written:
    """A checkpoint just written: its file, what it says, and how mailing it went."""

    path: Path
    claims: dict
    mailed_to: str | None = None
    mail_error: str | None = None


# ---------------------------------------------------------------- signing


def _sign_rsa(key, data):
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _verify_rsa(key, signature, data):
    key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())


def _sign_ec(key, data):
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _verify_ec(key, signature, data):
    key.verify(signature, data, ec.ECDSA(hashes.SHA256()))


# name -> (private key type, public key type, sign, verify)
ALGORITHMS = {
    "rsa-pkcs1v15-sha256": (rsa.RSAPrivateKey, rsa.RSAPublicKey, _sign_rsa, _verify_rsa),
    "ecdsa-sha256": (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey, _sign_ec, _verify_ec),
    "ed25519": (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey,
                lambda key, data: key.sign(data), lambda key, sig, data: key.verify(sig, data)),
}


def signed_bytes(claims: dict) -> bytes:
    """What the signature covers: the claims as canonical JSON (sorted keys, no spaces)."""
    return canonical_json(claims).encode("utf-8")


def sign_claims(claims: dict, key, certificate: x509.Certificate) -> dict:
    """The checkpoint document: the claims, a detached signature over them, the certificate."""
    name = next((n for n, (private, *_) in ALGORITHMS.items() if isinstance(key, private)), None)
    if name is None:
        raise CheckpointError(f"the organisation key ({type(key).__name__}) cannot sign "
                              "checkpoints; use an RSA, EC or Ed25519 key")
    signature = ALGORITHMS[name][2](key, signed_bytes(claims))
    return {"claims": claims,
            "signature": {"algorithm": name, "value": base64.b64encode(signature).decode()},
            "certificate": certificate.public_bytes(serialization.Encoding.PEM).decode()}


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def trusted_certificates(extra=()) -> dict[str, x509.Certificate]:
    """Certificates whose checkpoints are trusted, by SHA-256 fingerprint: the organisation
    key's, those in AUDIT_CHECKPOINT_TRUST (earlier keys) and in the `extra` PEM files."""
    files = [Path(p) for p in (current_app.config.get("AUDIT_CHECKPOINT_TRUST"), *extra) if p]
    certificates = [c for path in files for c in x509.load_pem_x509_certificates(path.read_bytes())]
    if signing_configured():
        certificates.append(organisation_key()[1])
    return {fingerprint(c): c for c in certificates}


def check_document(document, trusted: dict, label: str) -> Anchor:
    """What a checkpoint file says, once its signature holds and its signer is trusted.

    Raises CheckpointError with a sentence saying what is wrong with the file.
    """
    claims, certificate, algorithm, signature = _parts(document)
    try:
        ALGORITHMS[algorithm][3](_public_key(certificate, algorithm), signature,
                                 signed_bytes(claims))
    except InvalidSignature:
        raise CheckpointError("it was altered: its signature does not match its content") from None
    if fingerprint(certificate) not in trusted:
        raise CheckpointError(
            f"it is signed by a certificate this installation does not trust "
            f"({certificate.subject.rfc4514_string()}, SHA-256 {fingerprint(certificate)[:16]}...)")
    return Anchor(last_id=claims["last_id"], head_hash=claims["head_hash"],
                  row_count=claims["row_count"], created_at=claims["created_at"], label=label)


def _parts(document):
    try:
        claims, signature = document["claims"], document["signature"]
        certificate = x509.load_pem_x509_certificate(document["certificate"].encode())
        value = base64.b64decode(signature["value"], validate=True)
        well_formed = (set(claims) == set(CLAIMS) and claims["schema"] == SCHEMA
                       and signature["algorithm"] in ALGORITHMS
                       and isinstance(claims["last_id"], int) and isinstance(claims["row_count"], int))
    except (KeyError, TypeError, ValueError, AttributeError):
        well_formed = False
    if not well_formed:
        raise CheckpointError("it is not a Sendoff audit checkpoint (a part is missing or malformed)")
    return claims, certificate, signature["algorithm"], value


def _public_key(certificate: x509.Certificate, algorithm: str):
    key = certificate.public_key()
    if not isinstance(key, ALGORITHMS[algorithm][1]):
        raise CheckpointError("it was altered: its signature does not fit its certificate's key")
    return key


# ---------------------------------------------------------------- files


def checkpoint_dir() -> Path:
    """Where checkpoints are written (AUDIT_CHECKPOINT_DIR, default instance/audit-checkpoints)."""
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"])


def checkpoint_files(folder: Path) -> list[Path]:
    """The checkpoint files of a folder, oldest first (their names start with the time)."""
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def write_document(folder: Path, document: dict) -> Path:
    """A new file for the document; an existing file is never overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    claims = document["claims"]
    stamp = claims["created_at"].replace("-", "").replace(":", "")
    data = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for attempt in range(100):
        suffix = f"-{attempt}" if attempt else ""
        path = folder / f"{stamp}-row{claims['last_id']}{suffix}.json"
        try:
            with path.open("x", encoding="utf-8") as out:  # "x": fails if the file exists
                out.write(data)
        except FileExistsError:
            continue
        path.chmod(0o444)
        return path
    raise CheckpointError(f"too many checkpoints named {stamp} in {folder}")


def read_checkpoints(folder: Path, trusted: dict) -> tuple[list[Anchor], list[Problem]]:
    """The anchors of the valid checkpoint files, and a problem for each file that is not."""
    anchors, problems = [], []
    for path in checkpoint_files(folder):
        try:
            anchors.append(check_document(_load(path), trusted, path.name))
        except CheckpointError as error:
            problems.append(Problem("checkpoint", None, f"Checkpoint file {path.name}: {error}."))
    return anchors, problems


def _load(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"it cannot be read ({type(error).__name__})") from None


# ---------------------------------------------------------------- writing checkpoints


def chain_state(session) -> dict:
    """The head's hash, the last row's id and the row count, read in one statement."""
    events, head = AuditEvent.__table__, AuditHead.__table__
    last_id = select(func.max(events.c.id)).scalar_subquery()
    head_hash, last, last_hash, count = session.execute(select(
        select(head.c.last_hash).where(head.c.id == 1).scalar_subquery(), last_id,
        select(events.c.hash).where(events.c.id == last_id).scalar_subquery(),
        select(func.count()).select_from(events).scalar_subquery())).one()
    if not count:
        raise CheckpointError("the audit log is empty: there is nothing to anchor yet")
    if head_hash != last_hash:
        raise CheckpointError("the chain head does not point to the last row: run "
                              "`flask audit verify` to see what happened")
    return {"head_hash": head_hash, "last_id": last, "row_count": count}


def write_checkpoint(session, now: datetime | None = None) -> Written:
    """Sign the chain's state now, write it to its own file, mail it to the auditor."""
    if not signing_configured():
        raise CheckpointError("no organisation key: set SENDOFF_SIGNING_KEY_FILE (a trial key: "
                              "`flask docs keygen`)")
    at = (now or clock_now()).astimezone(UTC)
    claims = {"schema": SCHEMA, **chain_state(session),
              "created_at": at.strftime(TIME_FORMAT)}
    path = write_document(checkpoint_dir(), sign_claims(claims, *organisation_key()))
    log.info("audit checkpoint %s: row %s, %s rows", path.name, claims["last_id"],
             claims["row_count"])
    return _mailed(path, claims)


def checkpoint_if_due(session, now: datetime) -> Written | None:
    """A checkpoint when the head moved since the latest one and that one is older than
    AUDIT_CHECKPOINT_INTERVAL_MINUTES (0: never); nothing without an organisation key."""
    minutes = current_app.config.get("AUDIT_CHECKPOINT_INTERVAL_MINUTES") or 0
    if minutes <= 0 or not signing_configured():
        return None
    head = session.scalar(select(AuditHead.last_hash).where(AuditHead.id == 1))
    if head in (None, GENESIS):
        return None
    latest = _latest_valid(now)
    if latest is not None and (latest.head_hash == head
                               or now - _parse_time(latest.created_at) < timedelta(minutes=minutes)):
        return None
    return write_checkpoint(session, now)


def _latest_valid(now: datetime) -> Anchor | None:
    """The newest checkpoint whose signature holds and whose time has come: a broken or
    forged file (one dated in the future, say) must not hold the next checkpoints back."""
    trusted = trusted_certificates()
    for path in reversed(checkpoint_files(checkpoint_dir())):
        try:
            anchor = check_document(_load(path), trusted, path.name)
        except CheckpointError:
            continue  # verify names it
        if _parse_time(anchor.created_at) <= now:
            return anchor
    return None


def _parse_time(stamp) -> datetime:
    try:
        return datetime.strptime(stamp, TIME_FORMAT).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=UTC)


def tick_checkpoint(session_factory, now: datetime) -> str | None:
    """The scheduler's step: write a checkpoint if one is due; never raises (logs instead)."""
    try:
        with sqlite_begin(False), session_factory() as session:
            written = checkpoint_if_due(session, now)
    except Exception:  # noqa: BLE001 - a failed checkpoint must not stop the timers
        log.exception("audit checkpoint failed")
        return "failed"
    return written.path.name if written else None


# ---------------------------------------------------------------- mail


def _mailed(path: Path, claims: dict) -> Written:
    address = current_app.config.get("AUDIT_CHECKPOINT_EMAIL")
    if not address:
        return Written(path, claims)
    try:
        mail_checkpoint(address, path, claims)
    except MailError as error:
        log.warning("audit checkpoint %s not mailed to %s: %s", path.name, address, error)
        return Written(path, claims, address, str(error))
    return Written(path, claims, address)


def mail_checkpoint(address: str, path: Path, claims: dict) -> str | None:
    """Mail the checkpoint file to the auditor, in the organisation's language."""
    name, email = parseaddr(address)
    created = _parse_time(claims["created_at"])
    context = {"recipient": name or email, "claims": claims, "file": path.name,
               "created": created}
    rendered = render_message("audit_checkpoint", context,
                              current_app.config["BABEL_DEFAULT_LOCALE"])
    return send_mail(address, rendered.subject, rendered.text, rendered.html,
                     [Attachment(path.name, path.read_bytes(), "application/json")])
