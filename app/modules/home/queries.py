"""What each role's start page shows."""
from __future__ import annotations

from sqlalchemy import select

from app.db import db
from app.modules.cases.models import Case
from app.modules.employees.models import Employee

PANEL_LIMIT = 10


def my_cases(employee_id: int) -> list[Case]:
    return list(db.session.scalars(
        select(Case).where(Case.employee_id == employee_id).order_by(Case.id.desc()).limit(PANEL_LIMIT)
    ))


def team_members(manager_id: int) -> list[Employee]:
    return list(db.session.scalars(
        select(Employee).where(Employee.manager_id == manager_id, Employee.status != "left")
        .order_by(Employee.employee_no)
    ))


def team_cases(manager_id: int) -> list[Case]:
    return list(db.session.scalars(
        select(Case).where(Case.manager_id == manager_id).order_by(Case.id.desc()).limit(PANEL_LIMIT)
    ))


def recent_cases() -> list[Case]:
    return list(db.session.scalars(select(Case).order_by(Case.id.desc()).limit(PANEL_LIMIT)))
