"""Demo cases of every separation type in every reachable state, driven through the engine.

Each case is opened with the real operation and moved with real events by the people
the workflow names, so the HR queue, the team view and the timelines look as in use.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.engine import Actor
from app.modules.auth.models import User
from app.modules.auth.permissions import actor_for
from app.modules.cases import operations
from app.modules.cases.models import Case
from app.modules.employees.models import Employee

# (event, who fires it, payload); REQUESTED stands for the case's requested last day.
Step = tuple[str, str, dict]
REQUESTED = "<requested last day>"


@dataclass(frozen=True)
class Script:
    workflow_id: str
    state: str
    steps: tuple[Step, ...]
    from_supervisor_team: bool = False


def _scripts(today: date) -> tuple[Script, ...]:
    last = (today + timedelta(days=30)).isoformat()
    submit, approve = ("submit", "employee", {}), ("approve", "supervisor", {"agreed_last_day": REQUESTED})
    ack = ("acknowledge", "supervisor", {"agreed_last_day": (today + timedelta(days=3)).isoformat()})
    file40 = ("file_without_fault", "hr", {"ground": "incompetent", "notice_mode": "notice"})
    union = ("record_union_reply", "hr", {"union_notified_on": today.isoformat(), "comment": "工会无异议"})
    propose = ("propose", "hr", {"agreed_last_day": last})
    return (
        Script("voluntary_resignation", "draft", ()),
        Script("voluntary_resignation", "supervisor_review", (submit,), from_supervisor_team=True),
        Script("voluntary_resignation", "supervisor_review", (submit,)),
        Script("voluntary_resignation", "hr_review", (submit, approve)),
        Script("voluntary_resignation", "handover", (submit, approve, ("approve", "hr", {}))),
        Script("voluntary_resignation", "withdrawn", (("withdraw", "employee", {}),)),
        Script("probation_resignation", "acknowledgement", (submit,)),
        Script("probation_resignation", "handover", (submit, ack)),
        Script("mutual_agreement", "draft", ()),
        Script("mutual_agreement", "agreement", (propose,)),
        Script("mutual_agreement", "handover", (propose, ("sign_employee", "employee", {}),
                                                ("sign_company", "hr_admin", {}))),
        Script("dismissal", "draft", ()),
        Script("dismissal", "union_notification", (file40,)),
        Script("dismissal", "decision", (file40, union)),
        Script("dismissal", "notice_period", (file40, union, ("issue_notice", "hr_admin", {"agreed_last_day": last}))),
        Script("contract_expiry", "renewal_decision", ()),
        Script("contract_expiry", "awaiting_employee", (("offer_renewal", "hr", {"offer_terms": "equal_or_better"}),)),
        Script("contract_expiry", "handover", (("not_renew", "hr", {"comment": "岗位调整，不再续订"}),)),
        Script("retirement", "preparation", ()),
        Script("retirement", "handover", (("confirm_pension", "hr", {"agreed_last_day": last,
                                                                     "pension_reference": "呼人社养〔2026〕118号"}),)),
    )


def load_demo_cases(session: Session, today: date) -> int:
    """Open and advance the demo cases; a second run adds nothing. Returns cases added."""
    hr, hr_admin, supervisor = (_user(session, name) for name in ("hr", "hradmin", "supervisor"))
    if hr is None or hr_admin is None:
        return 0
    scripts = _scripts(today)
    candidates = _candidates(session, supervisor, len(scripts))
    if not candidates["others"] or _already_loaded(session, candidates):
        return 0
    actors = {"hr": actor_for(hr), "hr_admin": actor_for(hr_admin)}
    added = 0
    for index, script in enumerate(scripts):
        pool = _pool_for(script, candidates)
        if not pool:
            continue
        employee = pool.pop(0)
        case = _open(employee, script, hr, today - timedelta(days=2 + index % 9))
        for event, who, payload in script.steps:
            actor = actors.get(who) or _person(employee if who == "employee" else employee.manager)
            filled = {k: case.requested_last_day.isoformat() if v == REQUESTED else v
                      for k, v in payload.items()}
            result = operations.fire_as_actor(case, event, actor, None, filled)
            if not result.ok:
                raise RuntimeError(f"demo case {case.reference}: {event} refused: {result.refusal}")
        added += 1
    return added


def _pool_for(script: Script, candidates: dict) -> list[Employee]:
    if script.workflow_id == "probation_resignation":
        return candidates["probation"]
    if script.from_supervisor_team and candidates["team"]:
        return candidates["team"]
    return candidates["others"]


def _open(employee: Employee, script: Script, hr: User, notice: date) -> Case:
    last_day, _ = operations.default_last_day(employee, notice)
    resignation = script.workflow_id.endswith("resignation")
    return operations.open_case(
        employee, script.workflow_id, hr, notice_date=notice, requested_last_day=last_day,
        reason_codes=["pay_benefits", "workload"] if resignation else [],
        primary_reason="pay_benefits" if resignation else None,
        statement="家里有事，需要回老家照顾老人。" if resignation else "", facts={"proposed_by": "employer"})


def _person(employee: Employee | None) -> Actor:
    if employee is None:
        raise RuntimeError("a demo case needs a manager for its supervisor step")
    return Actor(user_id=None, employee_id=employee.id, groups=frozenset({"employee"}), name=employee.name)


def _user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def _candidates(session: Session, supervisor: User | None, count: int) -> dict[str, list[Employee]]:
    """Current employees with a manager and no login, the supervisor's team first."""
    with_login = select(User.employee_id).where(User.employee_id.isnot(None))
    base = (select(Employee).where(Employee.status == "active", Employee.manager_id.isnot(None),
                                   Employee.id.notin_(with_login),
                                   or_(Employee.probation_end.is_(None), Employee.probation_end < date.today()))
            .order_by(Employee.employee_no))
    team = []
    if supervisor is not None and supervisor.employee_id:
        team = list(session.scalars(base.where(Employee.manager_id == supervisor.employee_id).limit(1)))
    others = [e for e in session.scalars(base.limit(count + 5)) if e not in team]
    probation = list(session.scalars(
        select(Employee).where(Employee.status == "active", Employee.manager_id.isnot(None),
                               Employee.id.notin_(with_login), Employee.probation_end >= date.today())
        .order_by(Employee.employee_no).limit(2)))
    return {"team": team, "others": others, "probation": probation}


def _already_loaded(session: Session, candidates: dict) -> bool:
    first = (candidates["team"] or candidates["others"])[0]
    return session.scalar(select(Case.id).where(Case.employee_id == first.id).limit(1)) is not None
