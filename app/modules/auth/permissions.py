"""Named roles and permission checks, evaluated on the server for each object."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import exists, select

from app.db import db
from app.modules.auth.models import User
from app.modules.employees.models import Employee


def is_supervisor(user: User) -> bool:
    """Supervisor is derived from the reporting line: someone active reports to them."""
    if user.employee_id is None:
        return False
    query = select(
        exists().where(Employee.manager_id == user.employee_id, Employee.status != "left")
    )
    return bool(db.session.scalar(query))


def roles_of(user: User) -> frozenset[str]:
    """Every role the user holds now, granted or derived.

    An alumni login derives nothing from the employee record: from 18:00 on the last day the
    leaver has alumni-only access even while the case's paperwork goes on (a re-hire takes
    the alumni role away again).
    """
    roles = set(user.granted_roles)
    if "hr_admin" in roles:
        roles.add("hr")
    employee = user.employee
    if employee is not None and employee.status != "left" and "alumni" not in roles:
        roles.add("employee")
        if is_supervisor(user):
            roles.add("supervisor")
    return frozenset(roles)


def current_roles() -> frozenset[str]:
    if not getattr(current_user, "is_authenticated", False):
        return frozenset()
    return roles_of(current_user)


def actor_for(user: User):
    """The engine's view of a user: ids and the groups (roles) they hold."""
    from app.engine import Actor

    return Actor(
        user_id=user.id,
        employee_id=user.employee_id,
        groups=roles_of(user),
        name=user.display_name,
    )


def require_roles(*roles: str):
    """Allow the view only to users holding at least one of the roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_roles() & set(roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
