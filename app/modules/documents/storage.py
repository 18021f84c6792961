"""Content-addressed PDF files: instance/documents/<sha[:2]>/<sha>.pdf, written once."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def documents_dir() -> Path:
    """Where PDFs live (config DOCUMENTS_DIR, default instance/documents)."""
    default = Path(current_app.instance_path) / "documents"
    return Path(current_app.config.get("DOCUMENTS_DIR") or default)


def path_for(sha256: str) -> Path:
    """The file of a hash; refuses anything that is not a lowercase hex SHA-256."""
    if not SHA256_RE.match(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return documents_dir() / sha256[:2] / f"{sha256}.pdf"


def store(data: bytes) -> str:
    """Write the bytes under their hash (atomically, once) and return the hash."""
    sha256 = hashlib.sha256(data).hexdigest()
    target = path_for(sha256)
    if target.exists():
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return sha256


def load(sha256: str) -> bytes:
    """The stored bytes, checked against their name so a tampered file is never served."""
    data = path_for(sha256).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"stored document {sha256} does not match its hash")
    return data
