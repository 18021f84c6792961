"""RFC 9457 problem details (application/problem+json) for every error the API answers.

`problem()` builds the response; `ApiProblem` is raised by views; `init_problem_handlers`
turns every HTTP error raised inside the API blueprint into a problem document. The web's
own error pages (app/errors.py) may use `problem()` for /api/ paths as well.
"""
from __future__ import annotations

import http

from flask import Response, json
from werkzeug.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
# Problem types: tag URIs (RFC 4151) name them without pretending a page exists at the address.
TYPE_PREFIX = "tag:sendoff,2026:problem/"
HANDLED_CODES = (400, 401, 403, 404, 405, 406, 409, 410, 412, 413, 415, 422, 428, 429, 500, 501, 503)


def problem(status: int, detail: str = "", *, type_: str | None = None, title: str | None = None,
            errors: list[dict] | None = None, headers: dict | None = None, **extra) -> Response:
    """A problem+json response: type, title, status, detail, and field errors when given."""
    body = {"type": TYPE_PREFIX + type_ if type_ else "about:blank",
            "title": title or _phrase(status), "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def field_errors(fields: dict, prefix: str = "") -> list[dict]:
    """[{pointer, detail}] (JSON Pointers into the request body) from {field: message(s)}."""
    found = []
    for name, messages in fields.items():
        if isinstance(messages, dict):
            found += field_errors(messages, f"{prefix}/{name}")
            continue
        for message in messages if isinstance(messages, (list, tuple)) else [messages]:
            found.append({"pointer": f"{prefix}/{name}", "detail": str(message)})
    return found


class ApiProblem(HTTPException):
    """Raised in an API view: answered as a problem document."""

    def __init__(self, status: int, detail: str = "", *, type_: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None, **extra):
        super().__init__(str(detail))
        self.code = status
        self.problem_args = {"type_": type_, "errors": errors, "headers": headers, **extra}
        self.detail = str(detail)

    def get_response(self, environ=None, scope=None):
        return problem(self.code, self.detail, **self.problem_args)


def handle_http_error(error):
    """Any HTTP error inside the API (abort, a webargs validation error, a rate limit)."""
    if not isinstance(error, HTTPException):
        error = _internal()
    if isinstance(error, ApiProblem):
        return error.get_response()
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    headers = dict(data.get("headers") or {})
    if error.code == 429:
        headers.update(_retry_after(error))
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    errors = None
    detail = error.description if error.code != 500 else "An unexpected error occurred. It has been logged."
    if messages:  # webargs: {location: {field: [messages]}}
        errors = []
        for location, fields in messages.items():
            errors += field_errors(fields, "" if location == "json" else f"/{location}")
        detail = "The request has invalid fields."
        return problem(422, detail, type_="validation", errors=errors, headers=headers)
    return problem(error.code or 500, detail, headers=headers)


def _retry_after(error) -> dict:
    limit = getattr(error, "limit", None)
    try:
        seconds = int(limit.limit.get_expiry()) if limit is not None else 60
    except Exception:  # noqa: BLE001 - the header is a courtesy
        seconds = 60
    return {"Retry-After": str(seconds)}


def _internal():
    from werkzeug.exceptions import InternalServerError

    return InternalServerError()


def init_problem_handlers(blueprint) -> None:
    """Answer every HTTP error code raised in the blueprint with problem+json (by code, so the
    app's HTML error pages registered by code do not win)."""
    for code in HANDLED_CODES:
        blueprint.register_error_handler(code, handle_http_error)
