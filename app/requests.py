"""Per-request set-up: a request id for the audit log and the SQLite begin mode."""
from __future__ import annotations

import secrets

from flask import Flask, g, request

from app.db import sqlite_immediate

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def init_requests(app: Flask) -> None:
    app.before_request(start_request)


def start_request() -> None:
    g.request_id = request.headers.get("X-Request-Id", "")[:64] or secrets.token_hex(8)
    # Reads never take SQLite's write lock; writes take it at BEGIN (see app.db).
    sqlite_immediate.set(request.method not in SAFE_METHODS)
