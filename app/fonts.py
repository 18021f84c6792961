"""Checks that WeasyPrint can render Chinese quickly: a CJK font and HarfBuzz subsetting."""
from __future__ import annotations

import ctypes.util
import functools
import shutil
import subprocess


@functools.lru_cache(maxsize=1)
def pdf_font_problems() -> tuple[str, ...]:
    """Say what is missing for fast Chinese PDFs; empty when all is well."""
    problems = []
    if not _has_cjk_font():
        problems.append("no CJK font (install the Debian package fonts-noto-cjk)")
    if ctypes.util.find_library("harfbuzz-subset") is None:
        problems.append(
            "libharfbuzz-subset is missing (install libharfbuzz-subset0); PDFs with Chinese "
            "text will take seconds instead of milliseconds"
        )
    if ctypes.util.find_library("pango-1.0") is None:
        problems.append("the Pango library is missing (install libpango-1.0-0 libpangoft2-1.0-0)")
    return tuple(problems)


def _has_cjk_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    out = subprocess.run([fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=10)
    return bool(out.stdout.strip())
