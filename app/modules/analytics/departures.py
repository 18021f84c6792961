"""Separations in a date range with the job they left from (the spell covering the last day)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, or_, select

from app.db import db
from app.modules.employees.models import Assignment, Department, Employee, Position, Separation


@dataclass(frozen=True)
class Departure:
    id: int
    employee_id: int
    employee_no: str
    name: str
    last_day: date
    hire_date: date | None
    voluntary: bool
    regrettable: bool | None
    primary_reason: str | None
    reason_codes: tuple
    department_id: int | None
    department_code: str
    position_code: str
    monthly_wage: Decimal | None


def departures_between(lo: date, hi: date, *, prefix: str | None = None, session=None) -> list[Departure]:
    """Every separation with lo <= last_day <= hi, oldest first (filtered to a department subtree)."""
    session = session or db.session
    covering = and_(Assignment.employee_id == Separation.employee_id, Assignment.start_date <= Separation.last_day,
                    or_(Assignment.end_date.is_(None), Assignment.end_date >= Separation.last_day))
    query = (select(Separation, Employee.employee_no, Employee.name, Employee.hire_date, Employee.monthly_wage,
                    Assignment.department_id, Department.code, Department.path, Position.code)
             .join(Employee, Employee.id == Separation.employee_id)
             .outerjoin(Assignment, covering)
             .outerjoin(Department, Department.id == Assignment.department_id)
             .outerjoin(Position, Position.id == Assignment.position_id)
             .where(Separation.last_day >= lo, Separation.last_day <= hi)
             .order_by(Separation.last_day, Separation.id))
    if prefix is not None:
        query = query.where(Department.path.like(prefix + "%"))
    seen, out = set(), []
    for sep, no, name, hire, wage, dept_id, dept_code, _path, pos_code in session.execute(query):
        if sep.id in seen:
            continue
        seen.add(sep.id)
        out.append(Departure(sep.id, sep.employee_id, no, name, sep.last_day, hire, bool(sep.voluntary),
                             sep.regrettable, sep.primary_reason, tuple(sep.reason_codes or ()), dept_id,
                             dept_code or "-", pos_code or "-", wage))
    return out
