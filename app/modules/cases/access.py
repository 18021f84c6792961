"""Who may see a case: checked on the server for every case, not only per page."""
from __future__ import annotations

from sqlalchemy import false, or_, select

from app.modules.auth.models import User
from app.modules.auth.permissions import roles_of
from app.modules.cases.models import Case
from app.modules.employees.models import Employee

ALL_CASES_ROLES = frozenset({"hr", "hr_admin", "auditor"})


def sees_all_cases(user: User) -> bool:
    return bool(roles_of(user) & ALL_CASES_ROLES)


def visibility_clause(user: User):
    """A WHERE clause limiting cases to those the user may see."""
    if sees_all_cases(user):
        return Case.id.isnot(None)
    if user.employee_id is None:
        return false()
    reports = select(Employee.id).where(Employee.manager_id == user.employee_id)
    return or_(
        Case.employee_id == user.employee_id,
        Case.manager_id == user.employee_id,
        Case.employee_id.in_(reports),
        Case.handover_receiver_id == user.employee_id,
        *_extra_clauses(user),
    )


def _extra_clauses(user: User) -> list:
    """Receivers of handover items see the cases their items belong to."""
    try:
        from app.modules.handover.access import receiver_case_ids
    except ImportError:
        return []
    return [Case.id.in_(receiver_case_ids(user))]


def can_view(user: User, case: Case) -> bool:
    """True when the user may open this case."""
    from app.db import db

    if sees_all_cases(user):
        return True
    return db.session.scalar(select(Case.id).where(Case.id == case.id, visibility_clause(user))) is not None
