"""Error pages in the user's language for every HTTP error; RFC 9457 problem+json under /api/.

Every error (Werkzeug's 405 and 413 included) goes through `render_error`, which first rolls
back a database session that a failed flush left unusable: the page itself needs the
database (the signed-in user, the language, the menu).
"""
from __future__ import annotations

import http
import logging

from flask import Flask, Response, current_app, json, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
# Problem types: tag URIs (RFC 4151) name them without pretending a page exists at the address.
TYPE_PREFIX = "tag:sendoff,2026:problem/"

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you entered.")),
    401: (_l("Sign-in required"), _l("Send a valid access token (Authorization: Bearer <token>).")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Not found"), _l("The page you asked for does not exist or is not yours to see.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way. Go back and use the page's own "
                                "buttons and forms.")),
    409: (_l("This record has changed"), _l(
        "Someone else changed this record after you opened it. Reload to see the current "
        "version; nothing you saw was overwritten.")),
    413: (_l("Too large"), _l("What you sent is larger than %(mb)d MB, the most one form may carry. "
                              "Send smaller files, or fewer at a time.")),
    429: (_l("Too many attempts"), _l("Too many requests in a short time. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged.")),
    503: (_l("Not available just now"), _l("This part of the service is not available just now. "
                                           "Please try again later.")),
}
GENERIC = (_l("Request refused"), _l("The request could not be completed."))


class BadInput(werkzeug_exceptions.BadRequest):
    """A 400 whose `reason` (in the user's language) says what to correct."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


class Conflict(werkzeug_exceptions.Conflict):
    """A stale write: the object changed since the user loaded it."""

    description = "The record changed since you loaded it."

    def __init__(self, reload_url: str | None = None, description: str | None = None):
        super().__init__(description)
        self.reload_url = reload_url


def problem(status: int, detail: str = "", *, type_: str | None = None, title: str | None = None,
              errors: list[dict] | None = None, headers: dict | None = None, **extra) -> Response:
    """An RFC 9457 problem+json response: type, title (in the reader's language), status,
    detail, and field errors when given."""
    body = {"type": TYPE_PREFIX + type_ if type_ else "about:blank",
            "title": str(title or MESSAGES.get(status, (_phrase(status),))[0]), "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Problem(HTTPException):
    """An error answered as a problem document with its own type, field errors and headers
    (raised by the API, wherever in the request it happens)."""

    def __init__(self, status: int, detail: str = "", *, type_: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None, **extra):
        super().__init__(str(detail))
        self.code = status
        self.problem_args = {"type_": type_, "errors": errors, "headers": headers, **extra}
        self.detail = str(detail)

    def get_response(self, environ=None, scope=None):
        return problem(self.code, self.detail, **self.problem_args)


def init_errors(app: Flask) -> None:
    app.register_error_handler(HTTPException, render_error)  # an unhandled exception is a 500 here too
    app.register_error_handler(CSRFError, render_csrf_error)


def render_csrf_error(error: CSRFError):
    """A form without a valid CSRF token is refused with a 400."""
    return _render(400, reason=_l("The form has expired or was not sent from this site. Please reload and try again."))


def render_error(error):
    """Render an HTTP error (or an unhandled exception, as a 500) as a page, or problem+json."""
    if not isinstance(error, HTTPException):
        error = InternalServerError()
    if isinstance(error, Problem):
        _rollback_failed_session(error.code)
        return error.get_response()
    code = error.code or 500
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]  # Allow, WWW-Authenticate
    return _render(code, reason=getattr(error, "reason", None),
                   reload_url=getattr(error, "reload_url", None), headers=headers)


def _render(code: int, reason=None, reload_url: str | None = None, headers: list | None = None):
    _rollback_failed_session(code)
    title, text = MESSAGES.get(code, GENERIC)
    detail = str(reason or text) if code != 413 else str(text) % {"mb": _max_megabytes()}
    if request.path.startswith("/api/"):
        return problem(code, detail, title=str(title), headers=dict(headers or []))
    try:
        page = render_template("errors.html", code=code, title=title, text=detail, reload_url=reload_url)
    except Exception:  # the page needs the database; say at least what happened without it
        log.exception("the error page for %s could not be rendered", code)
        page = _bare_page(code, str(title), detail)
    return page, code, headers or []


def _rollback_failed_session(code: int) -> None:
    """Roll back after a 500, or whenever a failed flush left the session unusable."""
    from app.db import db

    try:
        if code >= 500 or not db.session.is_active:
            db.session.rollback()
    except Exception:
        log.exception("rolling back the session for the error page failed")


def _max_megabytes() -> int:
    return (current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)


def _bare_page(code: int, title: str, text: str) -> str:
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{escape(title)}</title></head>"
            f"<body><p>{code}</p><h1>{escape(title)}</h1><p>{escape(text)}</p>"
            f"<p><a href=\"/\">{escape(_('Back to the start page'))}</a></p></body></html>")
