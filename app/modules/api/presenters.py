"""What the API answers about an object, built from the same operations the web pages use."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.db import db
from app.engine import runtime
from app.i18n import current_locale
from app.modules.cases import operations as cases
from app.modules.cases.models import Case
from app.modules.employees.models import Employee


def utc(moment: datetime | None) -> datetime | None:
    """An instant with its offset (SQLite gives stored UTC back naive)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def person(employee: Employee | None) -> dict | None:
    if employee is None:
        return None
    return {"employee_no": employee.employee_no, "name": employee.name, "email": employee.email}


def employee_status(employee: Employee) -> str:
    """active, leaving (a separation case is open) or left."""
    if employee.status == "left":
        return "left"
    if employee.status == "on_notice" or cases.active_case_of(employee) is not None:
        return "leaving"
    return "active"


def employee_data(employee: Employee) -> dict:
    return {"employee_no": employee.employee_no, "name": employee.name,
            "name_pinyin": employee.name_pinyin or "", "email": employee.email,
            "department": employee.department.name_zh if employee.department else None,
            "position": employee.position.name_zh if employee.position else None,
            "manager_no": employee.manager.employee_no if employee.manager else None,
            "hire_date": employee.hire_date, "status": employee_status(employee)}


def _states(case: Case, locale: str) -> list[dict]:
    if case.instance is None:
        return []
    definition = runtime.pinned_definition(db.session, case.instance)
    return [{"id": path, "title": definition.shown_title(path, locale)}
            for path in case.instance.configuration or []]


def case_summary(case: Case, locale: str | None = None) -> dict:
    locale = locale or current_locale()
    return {"id": case.id, "reference": case.reference, "workflow_id": case.workflow_id,
            "definition_version": case.instance.definition_version if case.instance else 0,
            "version": case.version or 0, "status": "active" if case.is_open else "finished",
            "states": _states(case, locale), "outcome": cases.case_outcome(case),
            "employee_no": case.employee.employee_no, "last_day": case.last_day,
            "opened_at": utc(case.created_at)}


def case_data(case: Case, user) -> dict:
    """The case with its facts and the events this user may fire now (and why one is closed)."""
    locale = current_locale()
    events = [{"event": o.event, "title": o.title, "enabled": o.enabled, "require": list(o.require),
               "reason": None if o.reason is None else str(o.reason)}
              for o in cases.case_events(case, user, locale)]
    return {**case_summary(case, locale), "facts": cases.case_facts(case), "events": events}


def item_data(item, locale: str) -> dict:
    return {"id": item.id, "title": item.title(locale), "title_en": item.title_en,
            "category": item.category,
            "receiver": {"role": item.receiver_role,
                         "employee_no": item.receiver_employee.employee_no if item.receiver_employee else None},
            "status": item.status, "version": item.version, "due_on": item.due_on, "note": item.note or "",
            "evidence_required": bool(item.evidence_required), "dispute_reason": item.dispute_reason or ""}


def handover_data(case: Case) -> dict:
    from app.modules.handover import operations as handover

    locale = current_locale()
    return {"case_id": case.id, "open": handover.checklist_open(case.instance),
            "successor": person(case.handover_receiver),
            "items": [item_data(i, locale) for i in handover.items_of(db.session, case.id)]}


def document_row(row) -> dict:
    document = row.document
    return {"id": document.id if document else None, "kind": row.kind, "title": row.title,
            "status": row.status, "version": document.version if document else None,
            "latest": row.latest, "code": document.code if document else None,
            "sha256": document.sha256 if document else None, "created_at": utc(row.created_at)}


def verification_data(result) -> dict:
    from app.modules.documents.operations import issued_on

    document = result.document if result.found else None
    return {"genuine": bool(result.found), "kind": document.kind if document else None,
            "version": document.version if document else None, "latest": bool(result.latest),
            "latest_version": result.latest_version, "issued_on": issued_on(document) if document else None,
            "reference": document.case.reference if document else None}


def interview_data(interview) -> dict:
    from app.modules.auth.models import User

    interviewer = db.session.get(User, interview.interviewer_id) if interview.interviewer_id else None
    return {"status": interview.status, "starts_at": utc(interview.starts_at), "minutes": interview.minutes,
            "location": interview.location or "", "video_link": interview.video_link or "",
            "interviewer": interviewer.username if interviewer else None, "version": interview.lock_version}


def page_data(page, items: list) -> dict:
    return {"items": items, "page": page.number, "per_page": page.size, "total": page.total,
            "pages": page.pages}


def employee_by_number(number: str) -> Employee | None:
    return db.session.scalar(select(Employee).where(Employee.employee_no == (number or "").strip()))
