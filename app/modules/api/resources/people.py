"""Employees (the directory the caller may see) and who the token belongs to."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from app.db import db
from app.modules.api import schemas
from app.modules.api.auth import current_api_user, current_token, require_scope
from app.modules.api.blueprint import resource
from app.modules.api.presenters import employee_data, page_data
from app.modules.api.resources.common import not_found
from app.modules.auth.permissions import roles_of
from app.modules.cases.queries import Page
from app.modules.employees import access
from app.modules.employees.models import Employee
from app.modules.employees.operations import pinyin_of

bp = resource("api_employees", "Employees and the caller")


@bp.route("/me")
@require_scope("read")
@bp.response(200, schemas.Me)
def me():
    """The token's user, roles and scopes."""
    user = current_api_user()
    return {"username": user.username, "employee_no": user.employee.employee_no if user.employee else None,
            "roles": sorted(roles_of(user)), "scopes": sorted(current_token().scopes or []),
            "service_account": bool(user.is_service_account)}


def _matching(q: str):
    """Name (Chinese characters), pinyin or initials, or the employee number."""
    text = q.strip()
    if not text:
        return Employee.id.isnot(None)
    word = "".join(ch for ch in text.lower() if ch.isalnum())
    spelled = pinyin_of(text)[0] if any("\u4e00" <= ch <= "\u9fff" for ch in text) else word
    clauses = [Employee.name.contains(text), func.lower(Employee.employee_no) == word]
    if word:
        clauses += [Employee.name_pinyin.startswith(spelled or word), Employee.name_initials == word]
    return or_(*clauses)


@bp.route("/employees")
@require_scope("read")
@bp.arguments(schemas.EmployeeQuery, location="query")
@bp.response(200, schemas.EmployeePage)
def employees(args):
    """Employees the caller may look up, by name, pinyin, initials or number."""
    stmt = (select(Employee).where(access.visibility_clause(current_api_user()), _matching(args["q"]))
            .order_by(Employee.employee_no))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    size, number = args["per_page"], args["page"]
    items = list(db.session.scalars(stmt.limit(size).offset((number - 1) * size)))
    return page_data(Page(items, number, size, total), [employee_data(e) for e in items])


@bp.route("/employees/<employee_no>")
@require_scope("read")
@bp.response(200, schemas.Employee)
def employee(employee_no: str):
    """One employee, with status active, leaving or left."""
    found = db.session.scalar(select(Employee).where(Employee.employee_no == employee_no,
                                                     access.visibility_clause(current_api_user())))
    if found is None:
        raise not_found()
    return employee_data(found)
