"""Case operations: open, file a resignation, fire workflow events. None of them commit."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import current_request_id, record_event
from app.clock import AppClock, china_time
from app.clock import now as clock_now
from app.clock import today as china_today
from app.db import db
from app.engine import runtime
from app.engine.errors import Refusal
from app.law import ChinaCalendar, UnknownCalendarYear, notice_days, statutory_deadline
from app.modules.auth.models import User
from app.modules.auth.permissions import actor_for
from app.modules.cases.models import Case, CaseAttachment
from app.modules.cases.uploads import display_name, store_upload
from app.modules.employees.models import Employee
from app.modules.workflows.hooks import app_calendar

# The engine's own refusal texts are English; these say the same in the user's language.
REFUSAL_TEXT = {
    "unknown_event": _l("That step is not possible in the case's current state."),
    "not_allowed": _l("Your role does not allow this step on this case."),
    "missing_field": _l("Please fill in every required field."),
    "stale_version": _l("The case changed since you opened it; reload and try again."),
    "final_state": _l("The case is closed; nothing more can happen."),
}
CASE_FIELDS_FROM_EVENTS = ("agreed_last_day",)
RESIGNATIONS = ("voluntary_resignation", "probation_resignation")
# The facts the employee's resignation form sets, in the order the form shows them.
APPLICATION_FIELDS = ("reason_codes", "primary_reason", "notice_date", "requested_last_day", "statement")


SUPERSEDED_LETTER = "letter_replaced"


class CaseError(ValueError):
    """A case operation was refused; the message is for the user."""


def engine_env() -> dict:
    """The clock and calendar every engine call in the app uses."""
    return {"clock": AppClock(), "calendar": app_calendar()}


def refusal_message(refusal: Refusal):
    """What to tell the user about a refused event, in their language."""
    if refusal.code == "guard_failed":
        return refusal.message
    return REFUSAL_TEXT.get(refusal.code, refusal.message)


def today() -> date:
    """Today in China, where the notice is given and counted."""
    return china_today()


def backdated_notice_problem(notice_date: date, earliest: date):
    """Art 37 counts from the day the written notice is given: why this date is too early, or None."""
    if notice_date >= earliest:
        return None
    return _l("The notice date cannot be earlier than %(day)s: the notice period counts from the "
              "day the written notice is given (Labour Contract Law Art 37).", day=earliest)


def notice_deadline(notice_date: date, days: int) -> tuple[date, bool]:
    """Civil Code Art 201/203 on the official calendar; (date, estimated) where estimated is
    True when the year's holiday notice is not published yet and the usual holidays are assumed."""
    try:
        return statutory_deadline(notice_date, days), False
    except UnknownCalendarYear:
        return statutory_deadline(notice_date, days, ChinaCalendar(strict=False)), True


def default_last_day(employee: Employee, notice_date: date) -> tuple[date, bool]:
    """Last day of the notice period: 30 days, 3 in probation (Art 37); (date, estimated)."""
    return notice_deadline(notice_date, notice_days(employee.in_probation(notice_date)))


def notice_period_problem(employee: Employee, notice_date: date, last_day: date):
    """Art 37 as the submit guard applies it: why this last day is too early, or None."""
    days = notice_days(employee.in_probation(notice_date))
    earliest, _estimated = notice_deadline(notice_date, days)
    if last_day >= earliest:
        return None
    return _l("The notice period is %(days)s days (Labour Contract Law Art 37): the "
              "last day can be %(earliest)s at the earliest.", days=days, earliest=earliest)


def resignation_workflow(employee: Employee, notice_date: date) -> str:
    """Art 37: probation resignations follow the short 3-day path."""
    return "probation_resignation" if employee.in_probation(notice_date) else "voluntary_resignation"


def _freeze_job_context(case: Case, employee: Employee) -> None:
    """Copy the job facts onto the case, so documents and reports use them as they were."""
    case.department_id = employee.department_id
    case.department_name = employee.department.name_zh if employee.department else ""
    case.position_name = employee.position.name_zh if employee.position else ""
    case.grade_name = employee.grade.name if employee.grade else ""
    case.manager_id = employee.manager_id
    case.monthly_wage = employee.monthly_wage
    case.city = employee.city
    case.hire_date = employee.hire_date


def open_case(employee: Employee, workflow_id: str, opened_by: User, **fields) -> Case:
    """Create a case with the job context frozen and start its workflow."""
    if active_case_of(employee) is not None:
        raise CaseError(_l("This employee already has an open separation case."))
    case = Case(reference=f"tmp-{uuid.uuid4().hex[:20]}", employee=employee, workflow_id=workflow_id,
                opened_by_id=opened_by.id, locale=employee.locale or "zh_CN", **fields)
    _freeze_job_context(case, employee)
    db.session.add(case)
    db.session.flush()
    case.reference = f"SO-{china_time(case.created_at).year}-{case.id:05d}"
    case.instance = runtime.start_instance(
        db.session, workflow_id, actor_for(opened_by), subject=case.subject,
        request_id=current_request_id(), **engine_env())
    db.session.flush()  # sets case.instance_id, which events on the new case need
    return case


def active_case_of(employee: Employee) -> Case | None:
    from app.engine.models import WorkflowInstance

    return db.session.scalar(
        select(Case).join(WorkflowInstance, Case.instance_id == WorkflowInstance.id)
        .where(Case.employee_id == employee.id, WorkflowInstance.status == "active"))


def file_resignation(employee: Employee, user: User, *, reasons: list[str], primary_reason: str,
                     statement: str, notice_date: date, requested_last_day: date,
                     letter: bytes | None = None, letter_name: str = "") -> Case:
    """Open a resignation draft for the employee (Art 37); the employee submits it after a preview."""
    stored = store_upload(letter) if letter else None  # refuse a bad file before writing anything
    case = open_case(employee, resignation_workflow(employee, notice_date), user,
                     reason_codes=list(reasons), primary_reason=primary_reason,
                     statement=statement or "", notice_date=notice_date,
                     requested_last_day=requested_last_day)
    if stored:
        _add_attachment(case, user, stored, letter_name or "letter", kind="letter")
    return case


def update_draft(case: Case, **fields) -> None:
    """Change a draft's facts before it is submitted."""
    if current_states(case) != ["draft"]:
        raise CaseError(_l("Only a draft can be changed."))
    for name, value in fields.items():
        setattr(case, name, value)
    case.instance.updated_at = clock_now()  # a change of facts is a new version


def is_draft(case: Case) -> bool:
    return case.is_open and current_states(case) == ["draft"]


def may_edit_application(case: Case, user: User) -> bool:
    """Only the leaver edits their own resignation (the state is checked separately)."""
    return (user.employee_id is not None and user.employee_id == case.employee_id
            and case.workflow_id in RESIGNATIONS)


def edit_resignation(case: Case, user: User, *, reasons: list[str], primary_reason: str, statement: str,
                     notice_date: date, requested_last_day: date, letter: bytes | None = None,
                     letter_name: str = "") -> list[str]:
    """Change a resignation draft (after a send-back, say); returns the names of what changed."""
    if not is_draft(case):
        raise CaseError(_l("Only a draft can be changed."))
    if resignation_workflow(case.employee, notice_date) != case.workflow_id:
        raise CaseError(_l("With this notice date the resignation would follow a different path "
                           "(probation or not). Withdraw this draft and file a new one."))
    stored = store_upload(letter) if letter else None  # refuse a bad file before changing anything
    wanted = {"reason_codes": list(reasons), "primary_reason": primary_reason, "statement": statement or "",
              "notice_date": notice_date, "requested_last_day": requested_last_day}
    changed = [name for name in APPLICATION_FIELDS if getattr(case, name) != wanted[name]]
    payload = {}
    if stored:
        payload["replaced_letters"] = _replace_letter(case, user, stored, letter_name)
        changed.append("letter")
    if changed:
        update_draft(case, **{name: wanted[name] for name in changed if name in wanted})
        record_event("case.draft_changed", subject=case.subject, payload={"changed": changed, **payload})
    return changed


def _replace_letter(case: Case, user: User, stored, filename: str) -> list[str]:
    """The new letter replaces the old, which stays on the case as evidence of the notice given."""
    old = db.session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id,
                                                          CaseAttachment.kind == "letter")).all()
    for attachment in old:
        attachment.kind = SUPERSEDED_LETTER
    _add_attachment(case, user, stored, filename or "letter", kind="letter")
    return [attachment.sha256 for attachment in old]


def check_case_open(case: Case) -> None:
    """A closed case's record is read-only: nothing is added to it or changed in it."""
    if not case.is_open:
        raise CaseError(_l("The case is closed: nothing can be added to its record or changed in it."))


def attach_file(case: Case, user: User, data: bytes, filename: str, *, kind: str) -> CaseAttachment:
    """Store an uploaded file (type checked by content) on an open case."""
    check_case_open(case)
    return _add_attachment(case, user, store_upload(data), filename, kind=kind)


def _add_attachment(case: Case, user: User, stored, filename: str, *, kind: str) -> CaseAttachment:
    attachment = CaseAttachment(case_id=case.id, kind=kind, mime=stored.mime,
                                filename=display_name(filename, stored.extension, default=kind),
                                size=stored.size, sha256=stored.sha256, uploaded_by_id=user.id)
    db.session.add(attachment)
    return attachment


def current_states(case: Case) -> list[str]:
    return list(case.instance.configuration) if case.instance else []


def fire_case_event(case: Case, event: str, user: User, expected_version: int | None,
                    payload: dict | None = None) -> runtime.FireResult:
    """Fire a workflow event on the case as the user, then mirror accepted facts onto the case."""
    return fire_as_actor(case, event, actor_for(user), expected_version, payload)


def fire_as_actor(case: Case, event: str, actor, expected_version: int | None,
                  payload: dict | None = None) -> runtime.FireResult:
    """Fire an event as an engine actor (a user's, or the system's)."""
    payload = dict(payload or {})
    # The event's own actions and timers (notice timer, checklist due dates, account
    # shutdown) must see the day it agrees, so the facts go on the case first.
    before = {name: getattr(case, name) for name in CASE_FIELDS_FROM_EVENTS}
    for name, value in _event_facts(payload).items():
        setattr(case, name, value)
    result = runtime.fire(db.session, case.instance_id, event, actor, expected_version,
                          payload, request_id=current_request_id(), **engine_env())
    if not result.ok:
        for name, value in before.items():
            setattr(case, name, value)
    return result


def _event_facts(payload: dict) -> dict[str, date]:
    facts = {}
    for name in CASE_FIELDS_FROM_EVENTS:
        value = payload.get(name)
        if value:
            facts[name] = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return facts


def case_events(case: Case, user: User, locale: str) -> list[runtime.EventOption]:
    """The events this user may fire on the case now."""
    if not case.is_open:
        return []
    return runtime.available_events(db.session, case.instance_id, actor_for(user), locale=locale,
                                    **engine_env())


def page_size() -> int:
    return current_app.config["PAGE_SIZE"]


# ---------------------------------------------------------------- which types a user may open

@dataclass(frozen=True)
class OpenableType:
    """A separation type the user may open, with the facts it needs (`require`) and may take."""

    workflow_id: str
    title: object
    require: tuple[str, ...]
    optional: tuple[str, ...] = ()
    own_only: bool = False  # the user opens it for themself only (their own resignation)


# HR opens these for an employee (Art 36, 39/40, 44(1), 44(2), a resignation on the employee's behalf).
HR_OPENS = (
    ("mutual_agreement", _l("Mutual agreement (Art 36)")),
    ("dismissal", _l("Dismissal (Art 39 / Art 40)")),
    ("contract_expiry", _l("Contract expiry (Art 44(1))")),
    ("retirement", _l("Retirement (Art 44(2))")),
    ("voluntary_resignation", _l("Resignation filed on the employee's behalf (Art 37)")),
)
HR_FACTS = ("requested_last_day",)
HR_OPTIONAL = ("notice_date", "reason_codes", "statement", "proposed_by")
OWN_RESIGNATION = (("voluntary_resignation", _l("Voluntary resignation")),
                   ("probation_resignation", _l("Resignation during probation")))
RESIGNATION_FACTS = ("reason_codes", "primary_reason", "notice_date", "requested_last_day")


def openable_types(user: User) -> list[OpenableType]:
    """Every separation type this user may open and the facts each asks for: the one place
    that knows it (the web's forms and the API ask here)."""
    from app.modules.auth.permissions import roles_of

    roles, types = roles_of(user), []
    if "hr" in roles:
        types += [OpenableType(wid, title, HR_FACTS, HR_OPTIONAL) for wid, title in HR_OPENS]
    if "employee" in roles:
        types += [OpenableType(wid, title, RESIGNATION_FACTS, ("statement",), own_only=True)
                  for wid, title in OWN_RESIGNATION]
    return types


class FactsError(CaseError):
    """The facts given to open a case do not fit; `fields` says which and why."""

    def __init__(self, fields: dict):
        super().__init__(_l("Some facts are missing or not valid."))
        self.fields = fields


def _openable(user: User, workflow_id: str, employee: Employee) -> OpenableType | None:
    own = user.employee_id is not None and user.employee_id == employee.id
    kinds = [t for t in openable_types(user) if t.workflow_id == workflow_id and (own or not t.own_only)]
    return next((t for t in kinds if t.own_only == own), kinds[0] if kinds else None)


def _parsed_facts(kind: OpenableType, facts: dict) -> dict:
    """The facts as the operation takes them, or FactsError naming every field that is wrong."""
    from app.modules.employees.reasons import load_reasons

    problems, parsed = {}, {}
    for name in set(facts) - set(kind.require) - set(kind.optional):
        problems[name] = _l("This fact is not asked for this separation type.")
    for name in kind.require:
        if facts.get(name) in (None, "", []):
            problems[name] = _l("This fact is required.")
    for name in ("notice_date", "requested_last_day"):
        if facts.get(name) not in (None, ""):
            try:
                parsed[name] = date.fromisoformat(str(facts[name]))
            except ValueError:
                problems[name] = _l("Enter a date as YYYY-MM-DD.")
    taxonomy = load_reasons()
    reasons = facts.get("reason_codes") or []
    if not isinstance(reasons, list) or any(not isinstance(c, str) or c not in taxonomy for c in reasons):
        problems["reason_codes"] = _l("Choose reasons from the list of reason codes.")
    primary = facts.get("primary_reason")
    if "primary_reason" in kind.require and primary and primary not in reasons:
        problems["primary_reason"] = _l("The main reason must be one of the reasons you chose.")
    for name in ("statement", "proposed_by"):
        if facts.get(name) is not None and not isinstance(facts[name], str):
            problems[name] = _l("Enter text.")
    if facts.get("proposed_by") not in (None, "employer", "employee"):
        problems["proposed_by"] = _l("Choose employer or employee.")
    if problems:
        raise FactsError(problems)
    return {**parsed, "reason_codes": list(reasons), "primary_reason": primary,
            "statement": facts.get("statement") or "", "proposed_by": facts.get("proposed_by")}


def _resignation_problems(employee: Employee, workflow_id: str, facts: dict) -> dict:
    """Art 37 as the filing form checks it: not backdated, the notice period kept, the path."""
    notice, last_day = facts["notice_date"], facts["requested_last_day"]
    problems = {}
    backdated = backdated_notice_problem(notice, today())
    if backdated:
        problems["notice_date"] = backdated
    elif notice_period_problem(employee, notice, last_day):
        problems["requested_last_day"] = notice_period_problem(employee, notice, last_day)
    if resignation_workflow(employee, notice) != workflow_id:
        problems["workflow_id"] = _l("With this notice date the resignation follows %(path)s.",
                                     path=resignation_workflow(employee, notice))
    return problems


def open_case_for(user: User, workflow_id: str, employee: Employee, facts: dict) -> Case:
    """Open a case of a type the user may open, with that type's facts (the API's way in)."""
    kind = _openable(user, workflow_id, employee)
    if kind is None:
        raise CaseNotOpenable(_l("You may not open this separation type for this employee."))
    if employee.status == "left":
        raise FactsError({"employee_no": _l("No current employee has this number.")})
    values = _parsed_facts(kind, facts or {})
    if kind.own_only:
        problems = _resignation_problems(employee, workflow_id, values)
        if problems:
            raise FactsError(problems)
        return file_resignation(employee, user, reasons=values["reason_codes"],
                                primary_reason=values["primary_reason"], statement=values["statement"],
                                notice_date=values["notice_date"],
                                requested_last_day=values["requested_last_day"])
    return open_case(employee, workflow_id, user, notice_date=values.get("notice_date"),
                     requested_last_day=values["requested_last_day"],
                     reason_codes=values["reason_codes"], statement=values["statement"],
                     facts={"proposed_by": values["proposed_by"] or "employer"})


class CaseNotOpenable(CaseError):
    """The user's roles do not let them open this type for this employee (HTTP 403)."""


# ---------------------------------------------------------------- what a finished case came to

# Until definitions declare `outcome` on their final states, the shipped final states say it.
# This is the only place that maps them.
FINAL_OUTCOMES = {"archived": "separated", "retained": "stayed", "renewed": "stayed",
                  "withdrawn": "cancelled", "cancelled": "cancelled", "rejected": "cancelled",
                  "declined": "cancelled"}


def case_outcome(case: Case) -> str | None:
    """separated, stayed or cancelled for a finished case (None while it is open)."""
    if case.instance is None or case.is_open:
        return None
    definition = runtime.pinned_definition(db.session, case.instance)
    return outcome_of(definition, case.instance.configuration or [])


def outcome_of(definition, configuration) -> str | None:
    """The outcome of a final configuration: the state's declared `outcome`, else FINAL_OUTCOMES."""
    for path in configuration:
        declared = getattr(definition.state(path), "outcome", None)
        if declared:
            return declared
        if path.split(".")[0] in FINAL_OUTCOMES:
            return FINAL_OUTCOMES[path.split(".")[0]]
    return None


def case_facts(case: Case) -> dict:
    """The case's facts as data: the application's, the type's own and the events' answers."""
    data = dict(case.instance.data or {}) if case.instance else {}
    return {**data, **(case.facts or {}),
            "notice_date": case.notice_date.isoformat() if case.notice_date else None,
            "requested_last_day": case.requested_last_day.isoformat() if case.requested_last_day else None,
            "agreed_last_day": case.agreed_last_day.isoformat() if case.agreed_last_day else None,
            "reason_codes": list(case.reason_codes or []), "primary_reason": case.primary_reason,
            "statement": case.statement or ""}
