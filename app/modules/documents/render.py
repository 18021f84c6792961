"""The one place PDFs are made: safe fetching, fonts, PDF/A-3u, metadata, determinism.

Same inputs give the same bytes: the PDF identifier is derived from the verification
code and the creation dates come from the inputs, never from the clock.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import mimetypes
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import segno
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from app.config import ROOT

log = logging.getLogger(__name__)
PDF_TEMPLATES = ROOT / "templates" / "pdf"
STATIC_DIR = ROOT / "app" / "static"
STATIC_SCHEME = "sendoff-static"
PDF_VARIANT = "pdf/a-3u"


class RenderError(RuntimeError):
    """The PDF cannot be made (missing font, unknown template)."""


class RefusedURL(ValueError):
    """A resource the PDF may not load: anything but data: and the app's static files."""


class SafeFetcher(URLFetcher):
    """Loads data: URIs and sendoff-static:<file> from app/static; refuses and logs the rest."""

    def __init__(self, static_dir: Path = STATIC_DIR):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
        self.static_dir = static_dir.resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == STATIC_SCHEME:
            return self._static(url)
        return self._refuse(url)

    def _static(self, url: str) -> URLFetcherResponse:
        name = url.split(":", 1)[1].lstrip("/").split("?")[0]
        path = (self.static_dir / name).resolve()
        if not path.is_relative_to(self.static_dir) or not path.is_file():
            return self._refuse(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    def _refuse(self, url: str):
        shown = url if len(url) < 200 else url[:200] + "..."
        self.refused.append(shown)
        log.warning("PDF rendering refused to fetch %s", shown)
        raise RefusedURL(f"refused to fetch {shown}")


@dataclass(frozen=True)
class Meta:
    """What goes into the PDF's metadata and on every page."""

    title: str
    author: str
    subject: str
    locale: str
    created: datetime
    code: str
    verify_url: str
    version: int

    @property
    def identifier(self) -> bytes:
        return hashlib.sha256(self.code.encode()).digest()[:16]


@functools.lru_cache(maxsize=1)
def labels() -> dict:
    """The wording of the records, {key: {zh_CN, en}}."""
    return yaml.safe_load((PDF_TEMPLATES / "text.yaml").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def template_version() -> str:
    """A hash over every template, the stylesheet and the wording (12 hex digits)."""
    digest = hashlib.sha256()
    for path in sorted(PDF_TEMPLATES.iterdir()):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    # A separate environment so that autoescaping is always on for these templates.
    return Environment(loader=FileSystemLoader(str(PDF_TEMPLATES)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def translator(locale: str, bilingual: bool = False):
    """t(key, **values) in the document's language; bilingual gives "中文 / English"."""
    table = labels()

    def one(key: str, lang: str, values: dict) -> str:
        text = table[key]["zh_CN" if lang.startswith("zh") else "en"]
        return text % values if values else text

    def t(key: str, **values) -> str:
        if bilingual:
            return f"{one(key, 'zh_CN', values)} / {one(key, 'en', values)}"
        return one(key, locale, values)

    return t


def qr_data_uri(url: str) -> str:
    """The verification URL as a PNG QR code in a data: URI (nothing to fetch).

    PNG, not SVG: the image is decoded once and shared by every page, while an SVG's path
    is parsed again on each page."""
    return segno.make(url, error="m", micro=False).png_data_uri(scale=4, border=0)


def check_fonts() -> None:
    """Refuse to render without a CJK font: Chinese would come out as empty boxes."""
    from app.fonts import pdf_font_problems

    missing = [p for p in pdf_font_problems() if "CJK" in p]
    if missing:
        raise RenderError("; ".join(missing))


def render_html(template: str, context: dict, meta: Meta, bilingual: bool = False) -> str:
    """The filled-in HTML of a record (autoescaped)."""
    t = translator(meta.locale, bilingual)
    pager = translator(meta.locale)("page", page="\0", pages="\0").split("\0")
    created = meta.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    values = {**context, "t": t, "html_lang": "zh-CN" if meta.locale.startswith("zh") else "en",
              "meta": {**meta.__dict__, "created": created, "qr": qr_data_uri(meta.verify_url)},
              "pager_before": pager[0], "pager_middle": pager[1], "pager_after": pager[2]}
    return _environment().get_template(f"{template}.html").render(values)


_lock = threading.Lock()
_shared: dict = {}


def _stylesheet(fetcher: SafeFetcher) -> tuple[CSS, FontConfiguration]:
    # Parsing the stylesheet and loading fonts once per process saves most of a render.
    with _lock:
        if "css" not in _shared:
            fonts = FontConfiguration()
            css = CSS(string=(PDF_TEMPLATES / "print.css").read_text(encoding="utf-8"),
                      font_config=fonts, url_fetcher=fetcher)
            _shared.update(css=css, fonts=fonts)
        return _shared["css"], _shared["fonts"]


def html_to_pdf(html: str, meta: Meta, fetcher: SafeFetcher | None = None) -> bytes:
    """PDF/A-3u bytes of an HTML string, loading only what SafeFetcher allows."""
    check_fonts()
    fetcher = fetcher or SafeFetcher()
    css, fonts = _stylesheet(fetcher)
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[css], font_config=fonts, pdf_variant=PDF_VARIANT,
                              pdf_identifier=meta.identifier)


def render_pdf(template: str, context: dict, meta: Meta, *, bilingual: bool = False,
               fetcher: SafeFetcher | None = None) -> bytes:
    """Render one record template to PDF/A-3u bytes."""
    if not (PDF_TEMPLATES / f"{template}.html").is_file():
        raise RenderError(f"no PDF template named {template!r}")
    return html_to_pdf(render_html(template, context, meta, bilingual), meta, fetcher)
