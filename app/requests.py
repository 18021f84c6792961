"""Per-request set-up and the checks every request passes before a view sees it.

- a request id for the audit log and the SQLite begin mode;
- control characters are refused in one place (see `refuse_control_characters`);
- `<int:...>` in routes is bounded (`app.params.IdConverter`);
- `safe_next` is the one check for every `next` the app redirects to.
"""
from __future__ import annotations

import json
import re
import secrets
import unicodedata
from urllib.parse import urljoin, urlsplit

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

from app.db import sqlite_immediate
from app.errors import BadInput
from app.params import IdConverter

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# Refused everywhere: C0 controls (NUL ... US) except TAB, LF and CR; DEL; the C1 controls
# U+0080-U+009F; lone surrogates (only JSON can carry them, and no database stores them).
# TAB, LF and CR are text in a form field or a JSON string (a textarea sends CR LF) but never
# belong in a URL path, a query string, a field's name or a file name, so those refuse them too.
CONTROLS_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROLS_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_CHARACTERS = _l("The request contains control characters (such as a NUL byte) that no field "
                        "accepts. Remove them and try again.")
MALFORMED_JSON = _l("The request body is not valid JSON.")


def init_requests(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter  # before the features register their routes
    app.before_request(start_request)
    app.before_request(refuse_control_characters)


def start_request() -> None:
    g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    # Reads never take SQLite's write lock; writes take it at BEGIN (see app.db).
    sqlite_immediate.set(request.method not in SAFE_METHODS)


def refuse_control_characters() -> None:
    """A 400 in the user's language (problem+json under /api/) when any part a view reads
    holds a control character: PostgreSQL refuses NUL in text, and none has a use here."""
    if CONTROLS_IN_NAMES.search(request.path) or _in_names(request.args.items(multi=True)):
        raise BadInput(CONTROL_CHARACTERS)
    if any(CONTROLS_IN_NAMES.search(k) or CONTROLS_IN_TEXT.search(v) for k, v in request.form.items(multi=True)):
        raise BadInput(CONTROL_CHARACTERS)
    if _in_names((key, upload.filename or "") for key, upload in request.files.items(multi=True)):
        raise BadInput(CONTROL_CHARACTERS)
    if request.is_json and _json_has_controls(_json_body()):
        raise BadInput(CONTROL_CHARACTERS)


def _in_names(pairs) -> bool:
    return any(CONTROLS_IN_NAMES.search(key) or CONTROLS_IN_NAMES.search(value) for key, value in pairs)


def _json_body():
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:
        raise BadInput(MALFORMED_JSON) from error


def _json_has_controls(payload) -> bool:
    pending = [payload]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if CONTROLS_IN_TEXT.search(value):
                return True
        elif isinstance(value, dict):
            if any(CONTROLS_IN_NAMES.search(key) for key in value):
                return True
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


# ---------------------------------------------------------------- redirects

_PROBE_HOST = "sendoff.invalid"


def safe_next(target: str | None, fallback: str) -> str:
    """`target` if it is a path on this site ("/cases/12?x=1"), else `fallback`.

    Refused: anything not starting with a single "/", "//host" and "/\\host" (browsers read a
    backslash as a slash), schemes, whitespace and control or invisible format characters
    anywhere (browsers drop TAB and LF inside URLs, so "/\\t/evil.example" is "//evil.example").
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2048:
        return fallback
    if "\\" in target or target.startswith("//") or any(_unsafe_character(c) for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or urlsplit(urljoin(f"https://{_PROBE_HOST}/", target)).netloc != _PROBE_HOST:
        return fallback
    return target


def _unsafe_character(character: str) -> bool:
    return character.isspace() or unicodedata.category(character)[0] == "C"
