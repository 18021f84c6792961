"""Error pages in the user's language; JSON for the API."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you entered.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Not found"), _l("The page you asked for does not exist or is not yours to see.")),
    409: (_l("This record has changed"), _l(
        "Someone else changed this record after you opened it. Reload to see the current "
        "version; nothing you saw was overwritten.")),
    429: (_l("Too many attempts"), _l("Too many requests in a short time. Please wait a minute and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. It has been logged.")),
}


class Conflict(werkzeug_exceptions.Conflict):
    """A stale write: the object changed since the user loaded it."""

    description = "The record changed since you loaded it."

    def __init__(self, reload_url: str | None = None, description: str | None = None):
        super().__init__(description)
        self.reload_url = reload_url


def init_errors(app: Flask) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(CSRFError, render_csrf_error)


def render_csrf_error(error: CSRFError):
    """A form without a valid CSRF token is refused with a 400."""
    return _render(400, reason=_l("The form has expired or was not sent from this site. Please reload and try again."))


def render_error(error):
    """Render an HTTP error as a page, or JSON under /api."""
    code = getattr(error, "code", 500) or 500
    if not isinstance(error, HTTPException):
        error = InternalServerError()
    return _render(code, reload_url=getattr(error, "reload_url", None))


def _render(code: int, reason=None, reload_url: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):
        return jsonify(error=str(title), message=str(reason or text), status=code), code
    body = render_template(
        "errors.html", code=code, title=title, text=reason or text, reload_url=reload_url
    )
    return body, code
