"""Uploaded letters and evidence: the type is read from the content, never trusted from the name.

A file is accepted only when it is, from its first byte to its last, a PDF (parsed with pypdf),
a PNG or a JPEG (decoded with Pillow): a file that starts like one and carries something else
(an HTML page behind a PDF header, a script after the image's end) is refused. It is stored
by its SHA-256 under the detected type and served only as a download of that type, under a
name the app makes (never the uploader's), with `nosniff`: a browser never renders it.
"""
from __future__ import annotations

import hashlib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

from flask import current_app, send_file
from flask_babel import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 5 MB file can still unpack into a huge bitmap
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
EXTENSIONS = {mime: ext for _magic, mime, ext in SIGNATURES}
TYPE_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk: nothing may follow it
JPEG_END = b"\xff\xd9"  # end of image
DOWNLOAD_CSP = "default-src 'none'; sandbox"


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


def check_whole_file(data: bytes, mime: str) -> None:
    """Refuse a file that does not parse completely as the type its first bytes claim."""
    if mime == "application/pdf":
        _check_pdf(data)
    else:
        _check_image(data, mime)


def _not_a_whole(mime: str) -> UploadError:
    name = TYPE_NAMES[mime]
    return UploadError(_("The file starts like a %(type)s but is not a complete, readable %(type)s "
                         "file, so it was refused. Save it again as %(type)s and upload that.",
                         type=name))


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    # Anything after the last end-of-file marker (an HTML page, a script) is not the PDF's.
    if not data.rstrip(b"\x00\t\n\f\r ").endswith(b"%%EOF"):
        raise _not_a_whole("application/pdf")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UploadError(_("Password-protected PDF files are not accepted; upload it "
                                "without a password."))
        pages = reader.pages
        if len(pages) == 0:
            raise _not_a_whole("application/pdf")
        for page in pages:
            page.mediabox, page.get_contents()  # noqa: B018  (parsing them is the check)
    except UploadError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            OSError, RecursionError) as error:
        raise _not_a_whole("application/pdf") from error


def _check_image(data: bytes, mime: str) -> None:
    from PIL import Image, UnidentifiedImageError

    expected = {"image/png": "PNG", "image/jpeg": "JPEG"}[mime]
    end = PNG_END if mime == "image/png" else JPEG_END
    if not data.rstrip(b"\x00").endswith(end):  # something after the image's last byte
        raise _not_a_whole(mime)
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                raise _not_a_whole(mime)
            if image.width * image.height > MAX_PIXELS:
                raise UploadError(_("The image is too large (%(mp)d megapixels); upload a smaller "
                                    "one.", mp=image.width * image.height // 1_000_000))
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # verify() checks the structure; load() decodes every pixel
    except UploadError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError,
            SyntaxError, EOFError) as error:
        raise _not_a_whole(mime) from error


def upload_dir() -> Path:
    return Path(current_app.config.get("UPLOADS_DIR") or Path(current_app.instance_path) / "uploads")


def store_upload(data: bytes) -> StoredFile:
    """Check size, type and the whole content, then store the bytes by their SHA-256."""
    if not data:
        raise UploadError(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UploadError(_("The file is larger than %(mb)d MB.", mb=MAX_BYTES // (1024 * 1024)))
    kind = sniff(data)
    if kind is None:
        raise UploadError(_("Only PDF, PNG or JPEG files are accepted; this file is something else."))
    check_whole_file(data, kind[0])
    digest = hashlib.sha256(data).hexdigest()
    path = upload_dir() / digest[:2] / digest
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return StoredFile(digest, kind[0], len(data), kind[1])


def read_upload(sha256: str) -> bytes:
    return (upload_dir() / sha256[:2] / sha256).read_bytes()


def display_name(filename: str, extension: str, default: str = "file") -> str:
    """The uploader's name to show in lists: no folders, no control or direction characters,
    and the extension of the type detected ("poly.html" holding a PNG shows as "poly.png")."""
    base = PureWindowsPath(filename or "").name  # drops "C:\\..." and "../" alike
    cleaned = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf")).strip(" .")
    stem = cleaned.rsplit(".", 1)[0].strip(" .") if "." in cleaned else cleaned
    return f"{(stem or default)[:180]}.{extension}"


def send_upload(stored, download_stem: str):
    """Send a stored file (anything with sha256 and mime) as a download of its detected type,
    named `download_stem` plus the type's extension; never shown inline, never sniffed."""
    mime = stored.mime if stored.mime in EXTENSIONS else "application/octet-stream"
    response = send_file(io.BytesIO(read_upload(stored.sha256)), mimetype=mime, as_attachment=True,
                         download_name=f"{download_stem}.{EXTENSIONS.get(mime, 'bin')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "no-store"
    return response
