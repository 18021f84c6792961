"""Who may do what on a checklist: checked on the server for each item and case."""
from __future__ import annotations

from sqlalchemy import or_, select

from app.modules.auth.permissions import roles_of
from app.modules.handover.models import CLEARANCE_ROLES, HandoverItem

MANAGE_ROLES = frozenset({"hr", "hr_admin"})


def _receiver_clause(user):
    roles = roles_of(user) & set(CLEARANCE_ROLES)
    clauses = [HandoverItem.receiver_role.in_(sorted(roles))] if roles else []
    if user.employee_id is not None:
        clauses.append(HandoverItem.receiver_employee_id == user.employee_id)
    return or_(*clauses) if clauses else None


def receiver_case_ids(user):
    """A subquery of the case ids where the user receives at least one current item."""
    clause = _receiver_clause(user)
    stmt = select(HandoverItem.case_id).where(HandoverItem.removed_at.is_(None))
    return stmt.where(clause) if clause is not None else stmt.where(HandoverItem.id.is_(None))


def receives(user, item: HandoverItem) -> bool:
    """The user is this item's receiver (the named employee, or holds its clearance role)."""
    if item.receiver_role in CLEARANCE_ROLES:
        return item.receiver_role in roles_of(user)
    return user.employee_id is not None and item.receiver_employee_id == user.employee_id


def may_receive(user, item: HandoverItem, case) -> bool:
    """The user confirms or disputes this item: its receiver, and never the leaver themself
    (a leaver holding a clearance role cannot sign off their own item; they sign only as the leaver)."""
    return receives(user, item) and not is_leaver(user, case)


def is_leaver(user, case) -> bool:
    return user.employee_id is not None and user.employee_id == case.employee_id


def is_supervisor_of(user, case) -> bool:
    """The leaver's supervisor (as frozen on the case, or the current manager)."""
    from app.modules.cases.access import is_supervisor_of as supervises

    return supervises(user, case)


def can_manage(user, case) -> bool:
    """HR adds, removes and edits items; HR and the supervisor name the successor."""
    return bool(roles_of(user) & MANAGE_ROLES)


def can_name_successor(user, case) -> bool:
    return can_manage(user, case) or is_supervisor_of(user, case)


def can_see_checklist(user, case) -> bool:
    """Leaver, supervisor, HR, auditors and the receivers of the case's items."""
    from app.db import db

    if roles_of(user) & {"hr", "hr_admin", "auditor"} or is_leaver(user, case) or is_supervisor_of(user, case):
        return True
    if case.handover_receiver_id is not None and case.handover_receiver_id == user.employee_id:
        return True
    clause = _receiver_clause(user)
    return clause is not None and db.session.scalar(select(HandoverItem.id).where(
        HandoverItem.case_id == case.id, HandoverItem.removed_at.is_(None), clause).limit(1)) is not None


def may_see_evidence(user, case, item: HandoverItem) -> bool:
    """An item's evidence: HR, auditors, the leaver, the supervisor and the item's receiver
    (not the receivers of the case's other items)."""
    return bool(roles_of(user) & {"hr", "hr_admin", "auditor"} or is_leaver(user, case)
                or is_supervisor_of(user, case) or receives(user, item))


def may_see_attachment(user, case, attachment) -> bool:
    """A handover evidence file: seen by whoever may see the evidence of an item it is on."""
    from app.db import db

    items = db.session.scalars(select(HandoverItem).where(HandoverItem.case_id == case.id,
                                                          HandoverItem.evidence_id == attachment.id))
    return any(may_see_evidence(user, case, item) for item in items)
