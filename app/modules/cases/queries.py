"""Lists of cases: my cases, my team's, the HR queue (filters, sorting, pages)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, func, or_, select

from app.db import db
from app.engine.models import WorkflowInstance
from app.modules.cases.models import Case
from app.modules.employees.models import Department, Employee

SORTS = {
    "newest": Case.id.desc(),
    "oldest": Case.id.asc(),
    "last_day": func.coalesce(Case.agreed_last_day, Case.requested_last_day).asc(),
    "employee": Employee.name.asc(),
}


@dataclass(frozen=True)
class Page:
    items: list
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


@dataclass(frozen=True)
class QueueFilters:
    state: str = ""
    workflow_id: str = ""
    department_id: int | None = None
    overdue: bool = False
    open_only: bool = True
    sort: str = "newest"


def _paginate(stmt, number: int, size: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    number = max(1, min(number, max(1, math.ceil(total / size))))
    items = list(db.session.scalars(stmt.limit(size).offset((number - 1) * size)))
    return Page(items, number, size, total)


def _base(visibility):
    return (select(Case).join(WorkflowInstance, Case.instance_id == WorkflowInstance.id)
            .join(Employee, Case.employee_id == Employee.id).where(visibility))


def in_state(state: str):
    """Cases whose active configuration includes the (top-level or nested) state."""
    text = cast(WorkflowInstance.configuration, String)
    return or_(text.like(f'%"{state}"%'), text.like(f'%"{state}.%'))


def queue(visibility, filters: QueueFilters, number: int, size: int, today: date) -> Page:
    """The HR queue with filters and sorting."""
    stmt = _base(visibility)
    if filters.open_only:
        stmt = stmt.where(WorkflowInstance.status == "active")
    if filters.state:
        stmt = stmt.where(in_state(filters.state))
    if filters.workflow_id:
        stmt = stmt.where(Case.workflow_id == filters.workflow_id)
    if filters.department_id:
        dept = db.session.get(Department, filters.department_id)
        subtree = select(Department.id).where(Department.path.startswith(dept.path)) if dept else []
        stmt = stmt.where(Case.department_id.in_(subtree))
    if filters.overdue:
        last_day = func.coalesce(Case.agreed_last_day, Case.requested_last_day)
        stmt = stmt.where(WorkflowInstance.status == "active", last_day < today)
    return _paginate(stmt.order_by(SORTS.get(filters.sort, SORTS["newest"])), number, size)


def cases_of_employee(employee_id: int, number: int, size: int) -> Page:
    stmt = _base(Case.employee_id == employee_id).order_by(Case.id.desc())
    return _paginate(stmt, number, size)


def team_cases(manager_employee_id: int, number: int, size: int) -> Page:
    """Cases of the supervisor's reports (frozen or current reporting line)."""
    reports = select(Employee.id).where(Employee.manager_id == manager_employee_id)
    visibility = or_(Case.manager_id == manager_employee_id, Case.employee_id.in_(reports))
    return _paginate(_base(visibility).order_by(Case.id.desc()), number, size)
