"""What every resource view does: load an object the caller may see, answer a refusal."""
from __future__ import annotations

from flask import request

from app.db import db
from app.modules.api.auth import current_api_user
from app.modules.api.problems import ApiProblem, field_errors
from app.modules.cases import access
from app.modules.cases.models import Case

NOT_FOUND = "No such object, or it is not yours to see."


def not_found() -> ApiProblem:
    return ApiProblem(404, NOT_FOUND)


def forbidden(detail: str = "Your role does not allow this on this object.") -> ApiProblem:
    return ApiProblem(403, detail, type_="not-allowed")


def conflict(detail: str) -> ApiProblem:
    return ApiProblem(409, detail, type_="stale-version")


def refused(detail: str, fields: dict | None = None, type_: str = "refused") -> ApiProblem:
    """422: the request is understood but the rule says no (a guard, a missing fact)."""
    return ApiProblem(422, detail, type_=type_, errors=field_errors(fields) if fields else None)


def load_case(case_id: int) -> Case:
    """The case, if the caller may see it (the web's rule); 404 otherwise."""
    case = db.session.get(Case, case_id)
    if case is None or not access.can_view(current_api_user(), case):
        raise not_found()
    return case


def client_ip() -> str:
    return request.remote_addr or ""
