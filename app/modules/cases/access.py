"""Who may see a case: checked on the server for every case, not only per page."""
from __future__ import annotations

from sqlalchemy import false, or_, select

from app.modules.auth.models import User
from app.modules.auth.permissions import roles_of
from app.modules.cases.models import Case
from app.modules.employees.models import Employee

ALL_CASES_ROLES = frozenset({"hr", "hr_admin", "auditor"})
# Files on a case, by kind (see docs/decisions/0009-case-files.md).
LETTER_KINDS = ("letter", "letter_replaced")  # the leaver's own written notice
HANDOVER_EVIDENCE = "handover_evidence"  # what the leaver attached to a handover item


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


def is_supervisor_of(user: User, case: Case) -> bool:
    """The leaver's supervisor (as frozen on the case, or the current manager)."""
    if user.employee_id is None:
        return False
    return user.employee_id in {case.manager_id, case.employee.manager_id if case.employee else None}


def may_download_attachment(user: User, case: Case, attachment) -> bool:
    """HR, HR admins and auditors get every file of the case; the leaver and their supervisor
    get the leaver's letters; handover evidence goes to the people of its item; HR's evidence
    (an Art 39 ground, say) to nobody else. `can_view(user, case)` is checked before."""
    if sees_all_cases(user):
        return True
    if attachment.kind in LETTER_KINDS:
        return user.employee_id == case.employee_id or is_supervisor_of(user, case)
    if attachment.kind == HANDOVER_EVIDENCE:
        try:
            from app.modules.handover.access import may_see_attachment
        except ImportError:
            return False
        return may_see_attachment(user, case, attachment)
    return False
