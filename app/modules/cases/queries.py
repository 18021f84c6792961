"""Lists of cases: my cases, my team's, the HR queue (filters, sorting, pages)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.db import db
from app.engine.models import WorkflowInstance, WorkflowTimer
from app.modules.cases.models import Case
from app.modules.employees.models import Department, Employee

# A step is stalled once its escalation timer has fired (a reminder alone is routine: the
# handover's item reminders fire two working days into every handover), by id prefix.
CHASING_TIMERS = ("escalate",)
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


def page_of(items: list, number: int, size: int) -> Page:
    """One page of a list already in memory (a page past the end shows the last one)."""
    total = len(items)
    number = max(1, min(number, max(1, math.ceil(total / size))))
    return Page(items[(number - 1) * size:number * size], number, size, total)


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


def stalled():
    """Cases still in a step whose escalation timer has fired during this stay in it."""
    timer, newer = WorkflowTimer, aliased(WorkflowTimer)
    text = cast(WorkflowInstance.configuration, String)
    quoted = literal('"').concat(timer.state_path)
    rearmed = exists().where(newer.instance_id == timer.instance_id, newer.state_path == timer.state_path,
                             newer.timer_id == timer.timer_id, newer.id > timer.id)
    return exists().where(
        timer.instance_id == WorkflowInstance.id, timer.fired_count > 0, timer.status.in_(("armed", "done")),
        or_(*(timer.timer_id.startswith(prefix) for prefix in CHASING_TIMERS)),
        or_(text.contains(quoted.concat('"')), text.contains(quoted.concat("."))), ~rearmed)


def queue(visibility, filters: QueueFilters, number: int, size: int, today: date) -> Page:
    """The HR queue with filters and sorting."""
    stmt = _base(visibility)
    if filters.open_only:
        stmt = stmt.where(WorkflowInstance.status == "active")
    if filters.state:
        stmt = stmt.where(or_(*(in_state(name) for name in filters.state.split(","))))
    if filters.workflow_id:
        stmt = stmt.where(Case.workflow_id == filters.workflow_id)
    if filters.department_id:
        dept = db.session.get(Department, filters.department_id)
        subtree = select(Department.id).where(Department.path.startswith(dept.path)) if dept else []
        stmt = stmt.where(Case.department_id.in_(subtree))
    if filters.overdue:
        last_day = func.coalesce(Case.agreed_last_day, Case.requested_last_day)
        stmt = stmt.where(WorkflowInstance.status == "active", or_(last_day < today, stalled()))
    return _paginate(stmt.order_by(SORTS.get(filters.sort, SORTS["newest"])), number, size)


def cases_of_employee(employee_id: int, number: int, size: int) -> Page:
    stmt = _base(Case.employee_id == employee_id).order_by(Case.id.desc())
    return _paginate(stmt, number, size)


def team_cases(manager_employee_id: int, number: int, size: int) -> Page:
    """Cases of the supervisor's reports (frozen or current reporting line)."""
    reports = select(Employee.id).where(Employee.manager_id == manager_employee_id)
    visibility = or_(Case.manager_id == manager_employee_id, Case.employee_id.in_(reports))
    return _paginate(_base(visibility).order_by(Case.id.desc()), number, size)
