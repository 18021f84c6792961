"""Read models: the receiver's inbox across cases and the supervision board."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from app.db import db
from app.engine.models import WorkflowInstance
from app.modules.auth.permissions import roles_of
from app.modules.cases.models import Case
from app.modules.employees.models import Employee
from app.modules.handover.access import _receiver_clause, receives
from app.modules.handover.models import HandoverItem
from app.modules.handover.operations import checklist_open, is_overdue, items_of


@dataclass(frozen=True)
class InboxEntry:
    item: HandoverItem
    case: Case
    side: str  # leaver|receiver: which side the user signs
    waiting_for_me: bool
    overdue: bool


def _in_handover(case: Case) -> bool:
    return checklist_open(case.instance)


def inbox(user, today: date) -> list[InboxEntry]:
    """Items the user signs, across every open handover: theirs to act on first, then by due date."""
    clauses = [c for c in (_receiver_clause(user),) if c is not None]
    if user.employee_id is not None:
        clauses.append(Case.employee_id == user.employee_id)
    if not clauses:
        return []
    rows = db.session.execute(
        select(HandoverItem, Case).join(Case, Case.id == HandoverItem.case_id)
        .join(WorkflowInstance, WorkflowInstance.id == Case.instance_id)
        .where(WorkflowInstance.status == "active", HandoverItem.removed_at.is_(None), or_(*clauses))
        .order_by(HandoverItem.due_on, Case.id, HandoverItem.position)).all()
    entries = []
    for item, case in rows:
        if not _in_handover(case):
            continue
        if case.employee_id == user.employee_id:
            entries.append(InboxEntry(item, case, "leaver", item.status in ("pending", "disputed"),
                                      is_overdue(item, today)))
        if receives(user, item):
            entries.append(InboxEntry(item, case, "receiver", item.status == "handed_over",
                                      is_overdue(item, today)))
    return sorted(entries, key=lambda e: (not e.waiting_for_me, e.item.due_on or date.max))


@dataclass(frozen=True)
class BoardRow:
    case: Case
    total: int
    confirmed: int
    overdue: int
    disputed: int
    days_left: int | None

    @property
    def percent(self) -> int:
        return round(100 * self.confirmed / self.total) if self.total else 0


def board_cases(user) -> list[Case]:
    """Open handovers the user supervises: every one for HR, their teams' for supervisors."""
    stmt = (select(Case).join(WorkflowInstance, WorkflowInstance.id == Case.instance_id)
            .where(WorkflowInstance.status == "active").order_by(Case.agreed_last_day, Case.id))
    if not roles_of(user) & {"hr", "hr_admin", "auditor"}:
        reports = select(Employee.id).where(Employee.manager_id == user.employee_id)
        stmt = stmt.where(or_(Case.manager_id == user.employee_id, Case.employee_id.in_(reports)))
    return [c for c in db.session.scalars(stmt) if _in_handover(c)]


def board(user, today: date, calendar) -> list[BoardRow]:
    """One row per open handover with progress, overdue items, disputes and days to the last day."""
    rows = []
    for case in board_cases(user):
        items = items_of(db.session, case.id)
        days = calendar.business_days_between(today, case.last_day) if case.last_day else None
        rows.append(BoardRow(case, len(items), sum(i.status == "confirmed" for i in items),
                             sum(is_overdue(i, today) for i in items),
                             sum(i.status == "disputed" for i in items), days))
    return rows
