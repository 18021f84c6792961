"""Small real files for upload tests (made by Pillow and pypdf), and the polyglots a probe sends."""
from __future__ import annotations

import io

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def png(color=(200, 30, 30)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (24, 16), (30, 30, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PNG = png()
JPEG = jpeg()
PDF = pdf()
# Each starts with a good signature and is not (only) that type.
POLYGLOTS = {
    "pdf header, html body": b"%PDF-1.4\n" + HTML + b"\n%%EOF\n",
    "pdf, html after the end": PDF + HTML,
    "png header, html body": b"\x89PNG\r\n\x1a\n" + HTML,
    "png, html after the end": PNG + HTML,
    "jpeg header, html body": b"\xff\xd8\xff\xe0" + HTML,
    "jpeg, html after the end": JPEG + HTML,
    "png cut short": PNG[:-20],
}
