"""Whom a user may look up in the employee directory (the API's /employees)."""
from __future__ import annotations

from sqlalchemy import false, or_, select

from app.modules.auth.permissions import roles_of
from app.modules.employees.models import Employee

DIRECTORY_ROLES = frozenset({"hr", "hr_admin", "auditor"})


def visibility_clause(user):
    """HR and auditors see everyone; others themselves, their manager and their direct reports."""
    if roles_of(user) & DIRECTORY_ROLES:
        return Employee.id.isnot(None)
    if user.employee_id is None:
        return false()
    own_manager = select(Employee.manager_id).where(Employee.id == user.employee_id).scalar_subquery()
    return or_(Employee.id == user.employee_id, Employee.manager_id == user.employee_id,
               Employee.id == own_manager)
