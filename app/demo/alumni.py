"""The demo's alumni archive: 陈美丽's complete case, driven through the real operations and
the engine, with an eligibility decision; every other past employee archived as known."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.clock import travel
from app.demo.company import scripted_departures
from app.demo.dates import DemoDates, add_months
from app.engine import Actor, runtime
from app.engine.outbox import PENDING_KEY
from app.engine.timing import CHINA_TZ
from app.modules.alumni.models import AlumniRecord
from app.modules.auth.models import User
from app.modules.cases.models import Case
from app.modules.employees.models import Employee

ALUMNA_SEAT_NAME = "陈美丽"
ALUMNA_SEAT = "COL1-T3.05"


def _actor(employee: Employee) -> Actor:
    """The engine's view of a person without a demo login (her supervisor, her successor)."""
    return Actor(user_id=None, employee_id=employee.id, groups=frozenset({"employee"}),
                 name=employee.name)


def _fire(session, case: Case, event: str, actor: Actor, payload: dict | None = None) -> None:
    from app.modules.cases.operations import engine_env, refusal_message

    result = runtime.fire(session, case.instance_id, event, actor, None, payload or {},
                          **engine_env())
    if not result:
        raise RuntimeError(f"demo: {event} refused: {refusal_message(result.refusal)}")
    if payload and payload.get("agreed_last_day"):
        case.agreed_last_day = date.fromisoformat(payload["agreed_last_day"])


def load_alumni(session, dates: DemoDates) -> dict:
    """陈美丽's archived case (once) and the archive of every other past employee."""
    from app.modules.alumni.operations import backfill_archive

    alumna = session.scalar(select(Employee).where(Employee.name == ALUMNA_SEAT_NAME))
    users = {u.username: u for u in session.scalars(select(User).where(
        User.username.in_(("hr", "hradmin", "alumni"))))}
    created = False
    if alumna is not None and len(users) == 3 and session.scalar(
            select(Case.id).where(Case.employee_id == alumna.id)) is None:
        _archived_case(session, alumna, users, dates)
        created = True
    return {"alumni_case_created": created, "alumni_records_added": backfill_archive()}


def drive_to_interview(session, case: Case, leaver: User, hr: User, signed_at: datetime) -> None:
    """Submit, approve (her supervisor, then HR), sign the handover: the case waits for HR's
    exit interview. The supervisor and the successor act as themselves (no login needed)."""
    from app.modules.auth.permissions import actor_for
    from app.modules.handover.operations import items_of, sign_item

    alumna = case.employee
    manager = session.get(Employee, alumna.manager_id) if alumna.manager_id else None
    receiver = session.scalar(select(Employee).where(
        Employee.manager_id == alumna.manager_id, Employee.id != alumna.id,
        Employee.status != "left").order_by(Employee.id)) or manager
    case.handover_receiver_id = receiver.id
    session.flush()
    _fire(session, case, "submit", actor_for(leaver))
    _fire(session, case, "approve", _actor(manager), {"agreed_last_day": case.requested_last_day.isoformat()})
    _fire(session, case, "approve", actor_for(hr))
    # sign_item uses savepoints, whose commit would dispatch the queued jobs mid-transaction.
    pending = session.info.pop(PENDING_KEY, [])
    for item in items_of(session, case.id):
        sign_item(session, item, "leaver", leaver.id, signed_at)
        sign_item(session, item, "receiver", hr.id, signed_at)
    session.info.setdefault(PENDING_KEY, []).extend(pending)
    _fire(session, case, "sign_leaver", actor_for(leaver))
    _fire(session, case, "sign_receiver", _actor(receiver))


def _china(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA_TZ)


def _workdays_before(day: date, n: int) -> date:
    from app.modules.workflows.hooks import app_calendar

    return app_calendar().add_business_days(day, -n)


def _notice_for(employee: Employee, last_day: date) -> date:
    """The latest working day on which her written notice still gives this last day."""
    from app.modules.cases.operations import default_last_day

    notice = last_day - timedelta(days=31)
    while notice.weekday() >= 5 or default_last_day(employee, notice)[0] > last_day:
        notice -= timedelta(days=1)
    return notice


def _archived_case(session, alumna: Employee, users: dict, dates: DemoDates) -> None:
    from app.config import ROOT
    from app.modules.alumni.operations import latest_record, set_eligibility
    from app.modules.cases.operations import open_case
    from app.modules.interviews.operations import (
        confirm_interview,
        record_answers,
        schedule_interview,
    )

    runtime.deploy(session, ROOT / "workflows" / "voluntary_resignation.yaml")  # once; no-op after
    hr, hradmin, leaver = users["hr"], users["hradmin"], users["alumni"]
    last_day = scripted_departures(dates)[ALUMNA_SEAT][0]
    case = open_case(alumna, "voluntary_resignation", hr, reason_codes=["career", "development"],
                     primary_reason="career", notice_date=_notice_for(alumna, last_day),
                     requested_last_day=last_day, statement="感谢公司多年的培养，因个人职业发展考虑，申请离职。")
    signed, held = _workdays_before(last_day, 2), _workdays_before(last_day, 1)
    drive_to_interview(session, case, leaver, hr, _china(signed, 10))
    with travel(_china(signed, 14)):  # planned the day before it was held
        interview = schedule_interview(case, hr, starts_at=_china(held, 14),
                                       interviewer=hr, location="广州办公室 3楼会议室")
    record_answers(interview, hr, answers={
        "main_reason": "希望转向风控分析方向，公司内部暂时没有合适岗位。",
        "could_stay": "如果有内部转岗机会会考虑留下。", "liked": "团队氛围好，主管支持。",
        "growth": "培训较多，但晋升通道较窄。"},
        notes="业绩稳定，客户投诉为零；新公司薪资涨幅约20%。", expected_version=None)
    confirm_interview(interview, hr, reason_codes=["career", "development"], primary_reason="career",
                      voluntary=True, regrettable=True, avoidable=True, outcome="exit_confirmed",
                      expected_version=None)
    _drop_messages(session, case)
    record = latest_record(alumna.id)
    record.performance_summary = (f"{alumna.hire_date.year}–{last_day.year} 年催收一部骨干，"
                                  "回款率连续三年部门前三，无合规问题。")
    set_eligibility(record, hr, eligibility="eligible", reason_code="good_record",
                    justification="业绩优秀、离职手续完整，欢迎再次加入。", approver=hradmin,
                    review_date=add_months(last_day, 24))


def _drop_messages(session, case: Case) -> None:
    """The case happened long ago: keep its PDFs, drop the e-mails and the account job it queued."""
    from app.engine.models import OutboxJob

    for job in session.scalars(select(OutboxJob).where(
            OutboxJob.instance_id == case.instance_id, OutboxJob.kind != "render_pdf")):
        session.delete(job)
    session.flush()


def alumni_count(session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).select_from(AlumniRecord)) or 0
