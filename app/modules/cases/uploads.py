"""Uploaded letters and evidence: the type is read from the content, never trusted from the name."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

MAX_BYTES = 5 * 1024 * 1024
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


class UploadError(ValueError):
    """The upload was refused; the message says why."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    mime: str
    size: int
    extension: str


def sniff(data: bytes) -> tuple[str, str] | None:
    """(mime, extension) from the first bytes, or None when the type is not accepted."""
    for magic, mime, ext in SIGNATURES:
        if data.startswith(magic):
            return mime, ext
    return None


def upload_dir() -> Path:
    return Path(current_app.config.get("UPLOADS_DIR") or Path(current_app.instance_path) / "uploads")


def store_upload(data: bytes) -> StoredFile:
    """Check size and content type, then store the bytes by their SHA-256."""
    from flask_babel import gettext as _

    if not data:
        raise UploadError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UploadError(_("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)))
    kind = sniff(data)
    if kind is None:
        raise UploadError(_("Only PDF, PNG or JPEG files are accepted; this file is something else."))
    digest = hashlib.sha256(data).hexdigest()
    path = upload_dir() / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return StoredFile(digest, kind[0], len(data), kind[1])


def read_upload(sha256: str) -> bytes:
    return (upload_dir() / sha256[:2] / sha256).read_bytes()
