"""The alumni archive: freeze an employment, decide re-hire eligibility, re-hire, self-service.
None of these commit (the job handlers at the end are their own transaction boundary)."""
from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_event
from app.db import db, utcnow
from app.engine.outbox import record as record_job
from app.engine.timing import CHINA_TZ
from app.modules.alumni.models import (
    ELIGIBILITY,
    REASON_CODES,
    AccountShutdown,
    AlumniRecord,
    EligibilityChange,
    Rehire,
)
from app.modules.auth.models import User, UserRole
from app.modules.cases.models import Case
from app.modules.employees.models import Assignment, Department, Employee, Position, Separation
from app.signals import offboarding_scheduled

SHUTDOWN_JOB = "account_shutdown"
SHUTDOWN_TIME = time(18, 0)  # end of the last working day, China time
NOT_LEAVING = {"withdrawn", "cancelled", "retained", "renewed", "declined", "rejected"}


class AlumniError(ValueError):
    """An alumni operation was refused; the message is for the user."""


class StaleRecord(AlumniError):
    """The record changed since the form was loaded (HTTP 409)."""


def _now() -> datetime:
    """The time the shutdown job compares with (tests freeze it)."""
    return utcnow()


# ---------------------------------------------------------------- freezing an employment


def _spells(employee: Employee) -> list[dict]:
    rows = db.session.execute(
        select(Assignment, Department, Position)
        .join(Department, Assignment.department_id == Department.id)
        .outerjoin(Position, Assignment.position_id == Position.id)
        .where(Assignment.employee_id == employee.id).order_by(Assignment.start_date)).all()
    return [{"department": d.name_zh, "department_en": d.name_en,
             "position": p.name_zh if p else "", "position_en": p.name_en if p else "",
             "start": a.start_date.isoformat(), "end": a.end_date.isoformat() if a.end_date else None,
             "start_kind": a.start_kind} for a, d, p in rows]


def _documents(case_id: int | None) -> list[dict]:
    if case_id is None:
        return []
    from app.modules.documents.models import Document

    return [{"id": d.id, "kind": d.kind, "version": d.version, "code": d.code}
            for d in db.session.scalars(select(Document).where(Document.case_id == case_id)
                                        .order_by(Document.id))]


def freeze_employment(employee: Employee, separation: Separation, case: Case | None) -> dict:
    """The employment as it was: positions, departments, dates, how and why it ended."""
    spells = _spells(employee)
    if not spells and case is not None:
        spells = [{"department": case.department_name, "position": case.position_name,
                   "start": (case.hire_date or employee.hire_date).isoformat(),
                   "end": separation.last_day.isoformat(), "start_kind": "hire"}]
    return {"employee_no": employee.employee_no, "name": employee.name,
            "hire_date": (case.hire_date if case and case.hire_date else employee.hire_date).isoformat(),
            "last_day": separation.last_day.isoformat(),
            "separation_type": separation.separation_type, "voluntary": separation.voluntary,
            "regrettable": separation.regrettable, "reasons": list(separation.reason_codes or []),
            "primary_reason": separation.primary_reason, "positions": spells,
            "case": case.reference if case else None, "documents": _documents(case.id if case else None),
            "frozen_at": utcnow().isoformat(timespec="seconds")}


def archive_employment(employee: Employee, separation: Separation, case: Case | None = None,
                       source: str = "case") -> AlumniRecord:
    """The alumni record of one ended employment (created once per separation)."""
    record = db.session.scalar(select(AlumniRecord).where(
        AlumniRecord.separation_id == separation.id))
    if record is None:
        db.session.flush()
        record = AlumniRecord(employee_id=employee.id, separation_id=separation.id,
                              case_id=case.id if case else None, source=source,
                              frozen=freeze_employment(employee, separation, case))
        db.session.add(record)
        db.session.flush()
    return record


def archive_case(session, case: Case, *, today: date, now: datetime) -> AlumniRecord:
    """Engine action archive_alumni: the Separation (reasons as confirmed in the interview),
    the frozen alumni record, and the account shutdown on the last day."""
    from app.modules.employees.operations import record_departure
    from app.modules.employees.reasons import load_reasons
    from app.modules.interviews.operations import interview_of

    interview = interview_of(case)
    confirmed = interview is not None and interview.confirmed_at and interview.reason_codes
    taxonomy = load_reasons()
    codes = [c for c in (interview.reason_codes if confirmed else case.reason_codes or [])
             if c in taxonomy]
    primary = (interview.primary_reason if confirmed else case.primary_reason)
    primary = primary if primary in codes else (codes[0] if codes else None)
    last_day = case.last_day or today
    separation = session.scalar(select(Separation).where(
        Separation.employee_id == case.employee_id, Separation.last_day == last_day))
    if separation is None:
        separation = record_departure(
            case.employee, last_day, case.workflow_id, codes, primary,
            voluntary=interview.voluntary if confirmed else None,
            regrettable=interview.regrettable if confirmed else None, source="case",
            taxonomy=taxonomy, session=session)
        session.flush()
    else:  # already recorded (imported, or the demo's history): the case now confirms it
        separation.reason_codes, separation.primary_reason = codes, primary
        if confirmed and interview.voluntary is not None:
            separation.voluntary, separation.regrettable = interview.voluntary, interview.regrettable
        case.employee.status = "left"
    record = archive_employment(case.employee, separation, case, "case")
    schedule_account_shutdown(case, now)
    return record


def backfill_archive() -> int:
    """Alumni records for past employees that came in through the import or the demo."""
    done = select(AlumniRecord.separation_id)
    rows = db.session.scalars(select(Separation).where(Separation.id.not_in(done))
                              .order_by(Separation.id))
    count = 0
    for separation in rows:
        employee = db.session.get(Employee, separation.employee_id)
        archive_employment(employee, separation, None, separation.source)
        count += 1
    return count


def _record_of(separation: Separation) -> AlumniRecord | None:
    return db.session.scalar(select(AlumniRecord).where(
        AlumniRecord.separation_id == separation.id))


def why_record_is_kept(separation: Separation) -> str | None:
    """Why the alumni record of a departure must outlive an import that undoes it, or None
    when the record holds nothing but what the import froze."""
    record = _record_of(separation)
    if record is None:
        return None
    if record.source != "import" or record.case_id is not None:
        return "it comes from a departure case"
    if record.eligibility != "undecided" or eligibility_history(record):
        return "HR has decided re-hire eligibility on it"
    if record.performance_summary:
        return "HR has written a performance summary on it"
    if record.consent_at is not None:
        return "the former employee has answered re-employment offers on it"
    if db.session.scalar(select(Rehire.id).where(Rehire.previous_record_id == record.id)):
        return "the person was re-hired from it"
    return None


def remove_imported_record(separation: Separation) -> None:
    """An import undid this departure: the person is no alumnus, so the record the import
    made goes too (audited); one that holds more than the import's data is refused."""
    record = _record_of(separation)
    if record is None:
        return
    kept = why_record_is_kept(separation)
    if kept:
        raise AlumniError(f"the alumni record of the departure on {separation.last_day} stays: "
                          f"{kept}")
    record_event("alumni.record_removed", subject=f"employee:{record.employee_id}",
                 payload={"record": record.id, "last_day": separation.last_day.isoformat(),
                          "separation_type": separation.separation_type, "why": "import_undone"})
    _restore_employee_access(record.employee)
    db.session.delete(record)
    db.session.flush()


# ---------------------------------------------------------------- HR decisions


def _check_version(record: AlumniRecord, expected: int | None) -> None:
    if expected is not None and record.lock_version != expected:
        raise StaleRecord(_l("The record changed since you opened it; reload and try again."))


def set_eligibility(record: AlumniRecord, by: User, *, eligibility: str, reason_code: str,
                    justification: str, approver: User | None, review_date: date | None,
                    expected_version: int | None = None) -> EligibilityChange:
    """Decide whether the person may be hired again; every change is kept and audited."""
    _check_version(record, expected_version)
    if eligibility not in ELIGIBILITY[1:] or reason_code not in REASON_CODES:
        raise AlumniError(_l("Choose an eligibility and a reason code."))
    if not (justification or "").strip():
        raise AlumniError(_l("Write a justification."))
    if approver is None:
        raise AlumniError(_l("Name the approver."))
    if eligibility == "conditional" and review_date is None:
        raise AlumniError(_l("A conditional decision needs a review date."))
    change = EligibilityChange(record_id=record.id, old=record.eligibility, new=eligibility,
                               reason_code=reason_code, justification=justification.strip(),
                               approver_id=approver.id, review_date=review_date,
                               changed_by_id=by.id, changed_at=utcnow())
    record.eligibility, record.eligibility_reason = eligibility, reason_code
    record.justification, record.approver_id, record.review_date = (
        justification.strip(), approver.id, review_date)
    db.session.add(change)
    db.session.flush()
    record_event("alumni.eligibility_changed", subject=f"employee:{record.employee_id}",
                 payload={"record": record.id, "old": change.old, "new": eligibility,
                          "reason": reason_code, "approver": approver.id,
                          "review_date": review_date.isoformat() if review_date else None})
    return change


def set_performance_summary(record: AlumniRecord, by: User, text: str,
                            expected_version: int | None = None) -> None:
    """The performance summary HR writes for the archive."""
    _check_version(record, expected_version)
    record.performance_summary = (text or "").strip()
    db.session.flush()
    record_event("alumni.summary_changed", subject=f"employee:{record.employee_id}",
                 payload={"record": record.id})


def eligibility_history(record: AlumniRecord) -> list[EligibilityChange]:
    return list(db.session.scalars(select(EligibilityChange).where(
        EligibilityChange.record_id == record.id).order_by(EligibilityChange.id)))


def records_of(employee_id: int) -> list[AlumniRecord]:
    """Every archived employment of a person, oldest first."""
    return list(db.session.scalars(select(AlumniRecord).where(
        AlumniRecord.employee_id == employee_id).order_by(AlumniRecord.id)))


def latest_record(employee_id: int) -> AlumniRecord | None:
    records = records_of(employee_id)
    return records[-1] if records else None


# ---------------------------------------------------------------- boomerangs


def rehire_alumnus(record: AlumniRecord, by: User, *, start_date: date, department: Department,
                   position: Position | None = None, monthly_wage=None) -> Rehire:
    """A new employment of a former employee, linked to the one that ended; history stays."""
    employee = record.employee
    if employee.status != "left":
        raise AlumniError(_l("This person is employed now."))
    if record.eligibility == "not_eligible":
        raise AlumniError(_l("This person is not eligible for re-hire."))
    if record.id != latest_record(employee.id).id:
        raise AlumniError(_l("Re-hire from the person's latest record."))
    last_day = record.separation.last_day
    if start_date <= last_day:
        raise AlumniError(_l("The new employment must start after the last working day."))
    previous_hire = date.fromisoformat(record.frozen.get("hire_date") or employee.hire_date.isoformat())
    rehire = Rehire(employee_id=employee.id, previous_record_id=record.id, start_date=start_date,
                    previous_hire_date=previous_hire,
                    earlier_tenure_days=(last_day - previous_hire).days + 1, created_by_id=by.id)
    db.session.add(Assignment(employee_id=employee.id, department_id=department.id,
                              position_id=position.id if position else None,
                              city=employee.city, start_date=start_date, start_kind="rehire"))
    employee.status, employee.department, employee.hire_date = "active", department, start_date
    employee.position = position or employee.position
    employee.contract_start, employee.contract_end = start_date, None
    employee.monthly_wage = monthly_wage if monthly_wage is not None else employee.monthly_wage
    _restore_employee_access(employee)
    db.session.add(rehire)
    db.session.flush()
    record_event("alumni.rehired", subject=f"employee:{employee.id}",
                 payload={"record": record.id, "start_date": start_date.isoformat(),
                          "earlier_tenure_days": rehire.earlier_tenure_days})
    return rehire


def _restore_employee_access(employee: Employee) -> None:
    """Back on the payroll: the alumni-only login becomes an ordinary employee login."""
    for user in db.session.scalars(select(User).where(User.employee_id == employee.id)):
        user.role_rows = [r for r in user.role_rows if r.role != "alumni"]


def employment_history(employee: Employee) -> list[dict]:
    """Every employment, oldest first: the archived ones and the current one."""
    history = [{"record": r, "hire_date": r.frozen.get("hire_date"),
                "last_day": r.frozen.get("last_day"),
                "tenure_days": (date.fromisoformat(r.frozen["last_day"])
                                - date.fromisoformat(r.frozen["hire_date"])).days + 1}
               for r in records_of(employee.id)]
    if employee.status != "left":
        history.append({"record": None, "hire_date": employee.hire_date.isoformat(),
                        "last_day": None, "tenure_days": None})
    return history


# ---------------------------------------------------------------- self-service


def own_records(user: User) -> list[AlumniRecord]:
    return records_of(user.employee_id) if user.employee_id else []


def own_certificates(user: User) -> list:
    """The newest termination certificate of each of the user's own cases."""
    from app.modules.documents.models import Document

    if user.employee_id is None:
        return []
    docs = db.session.scalars(
        select(Document).join(Case, Document.case_id == Case.id)
        .where(Case.employee_id == user.employee_id, Document.kind == "termination_certificate")
        .order_by(Document.case_id, Document.version.desc()))
    newest = {}
    for document in docs:
        newest.setdefault(document.case_id, document)
    return list(newest.values())


def update_contact(user: User, *, email: str, phone: str) -> None:
    """The alumnus updates how to reach them."""
    employee = user.employee
    if employee is None:
        raise AlumniError(_l("No employee record is linked to this login."))
    employee.email, employee.phone = (email or "").strip() or None, (phone or "").strip() or None
    record_event("alumni.contact_updated", subject=f"employee:{employee.id}")


def set_consent(user: User, consent: bool) -> None:
    """Give or withdraw consent to re-employment offers; the choice and its time are kept."""
    records = own_records(user)
    if not records:
        raise AlumniError(_l("No alumni record is linked to this login."))
    record = records[-1]
    record.consent_offers, record.consent_at = consent, utcnow()
    db.session.flush()
    record_event("alumni.consent_given" if consent else "alumni.consent_withdrawn",
                 subject=f"employee:{record.employee_id}", payload={"record": record.id})


# ---------------------------------------------------------------- account shutdown


def shutdown_due_at(case: Case) -> datetime | None:
    """18:00 China time on the case's last working day (UTC)."""
    if case.last_day is None:
        return None
    return datetime.combine(case.last_day, SHUTDOWN_TIME, tzinfo=CHINA_TZ).astimezone(UTC)


def schedule_account_shutdown(case: Case, now: datetime) -> None:
    """Queue the shutdown for the last day (the per-minute tick runs it when it is due)."""
    due = shutdown_due_at(case)
    if due is None or _already_shut(case.id):
        return
    record_job(db.session, SHUTDOWN_JOB, {"case_id": case.id}, now=max(due, now),
               instance_id=case.instance_id)
    offboarding_scheduled.send(case, session=db.session, due=due)


def _already_shut(case_id: int) -> bool:
    return db.session.scalar(select(AccountShutdown.id).where(
        AccountShutdown.case_id == case_id)) is not None


def _leaving(case: Case) -> bool:
    configuration = set(case.instance.configuration or []) if case.instance else set()
    return not configuration & NOT_LEAVING


def switch_to_alumni(user: User) -> list[str]:
    """Alumni-only access: other granted roles go, every session and API token ends."""
    from app.modules.auth.operations import end_sessions, user_tokens

    removed = sorted(r.role for r in user.role_rows if r.role != "alumni")
    user.role_rows = [r for r in user.role_rows if r.role == "alumni"] or [UserRole(role="alumni")]
    end_sessions(user)
    for token in user_tokens(user):
        token.revoked_at = token.revoked_at or utcnow()
    return removed


def shut_down_if_due(case: Case, now: datetime) -> bool:
    """On the last day: switch the leaver's logins to alumni-only access and tell identity
    systems (event employee.offboarded). Idempotent; False when not (or no longer) due."""
    due = shutdown_due_at(case)
    if due is None or now < due or _already_shut(case.id) or not _leaving(case):
        return False
    users = list(db.session.scalars(select(User).where(User.employee_id == case.employee_id)))
    removed = {user.username: switch_to_alumni(user) for user in users}
    db.session.add(AccountShutdown(case_id=case.id, user_id=users[0].id if users else None, at=now))
    record_event("employee.offboarded", subject=f"employee:{case.employee_id}",
                 payload={"employee_no": case.employee.employee_no, "case": case.reference,
                          "last_day": case.last_day.isoformat(), "logins": sorted(removed),
                          "roles_removed": removed})
    return True


@contextlib.contextmanager
def own_session():
    """Run a job handler in a session of its own: run in-process right after a commit, the
    thread's session is still finishing that commit and cannot be used."""
    previous = db.session.registry()
    fresh = db.session.session_factory()
    db.session.registry.set(fresh)
    try:
        yield fresh
    finally:
        fresh.close()
        db.session.registry.set(previous)


def run_account_shutdown(payload: dict) -> None:
    """Outbox handler: shut the account down, or wait again if the last day moved later."""
    with own_session():
        _run_account_shutdown(payload)


def _run_account_shutdown(payload: dict) -> None:
    case = db.session.get(Case, payload["case_id"])
    if case is None:
        return
    now = _now()
    try:
        if not shut_down_if_due(case, now):
            due = shutdown_due_at(case)
            if due is not None and due > now and _leaving(case) and not _already_shut(case.id):
                record_job(db.session, SHUTDOWN_JOB, {"case_id": case.id}, now=due,
                           instance_id=case.instance_id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
