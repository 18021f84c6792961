"""RFC 9457 problem details (application/problem+json) for every error the API answers.

`app.errors.problem()` builds the response (the app's error handler answers /api/ paths with
it too); `ApiProblem` is raised by views; `init_problem_handlers` turns every HTTP error
raised inside the API blueprint into a problem document.
"""
from __future__ import annotations

from werkzeug.exceptions import HTTPException

from app.errors import PROBLEM_JSON as MEDIA_TYPE
from app.errors import Problem as ApiProblem
from app.errors import problem

__all__ = ["MEDIA_TYPE", "ApiProblem", "field_errors", "init_problem_handlers", "problem"]

HANDLED_CODES = (400, 401, 403, 404, 405, 406, 409, 410, 412, 413, 415, 422, 428, 429, 500, 501, 503)


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
        # A malformed query string is a bad request; a body that parses but does not fit is 422.
        status = 400 if set(messages) <= {"query", "path", "headers"} else 422
        return problem(status, detail, type_="validation", errors=errors, headers=headers)
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
