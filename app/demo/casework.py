"""The steps a demo case goes through, each done with the real operation by the person whose
step it is: workflow events, the handover checklist, the exit interview and the settlement.

People in the demo cases have no login until they sign a handover item; the first time
they do, they get one (user name: their employee number in lower case, the demo password),
as an employee of a real company would have.
"""
from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.clock import now as clock_now
from app.clock import travel
from app.demo import company
from app.engine import Actor
from app.engine.outbox import PENDING_KEY
from app.engine.timing import CHINA_TZ
from app.modules.auth.models import User
from app.modules.auth.permissions import actor_for
from app.modules.cases import operations
from app.modules.cases.models import Case
from app.modules.employees.models import Employee
from app.modules.handover.models import CLEARANCE_ROLES

REQUESTED = "<requested last day>"  # a payload value: the case's requested last day
DESKS = {"hr": "hr", "hr_admin": "hradmin", "it": "it", "finance": "finance", "admin": "admin"}


class DemoError(RuntimeError):
    """A demo step was refused: the demo script no longer fits the workflows or the rules."""


@dataclass(frozen=True)
class AfterNotice:
    """A payload value: `days` calendar days after the case's notice date, moved on to the
    next working day when `workday` (a last day falls on a working day)."""

    days: int
    workday: bool = True


@dataclass
class Leaving:
    """A demo case and the colleague who takes the work over."""

    case: Case
    successor: Employee | None


class Desk:
    """What the steps share: the session, the day, the desk logins and the people's logins."""

    def __init__(self, session, today: date, desks: dict[str, User]) -> None:
        self.session, self.today, self.desks = session, today, desks

    @classmethod
    def open(cls, session, today: date) -> Desk | None:
        """The desk, or None while the demo logins are missing."""
        users = {u.username: u for u in session.scalars(
            select(User).where(User.username.in_(DESKS.values())))}
        if set(users) != set(DESKS.values()):
            return None
        return cls(session, today, {role: users[name] for role, name in DESKS.items()})

    @property
    def hr(self) -> User:
        return self.desks["hr"]

    def login_of(self, employee: Employee) -> User | None:
        return self.session.scalar(select(User).where(User.employee_id == employee.id))

    def login(self, employee: Employee) -> User:
        """The employee's login, created the first time they sign something."""
        from app.modules.auth.operations import create_user

        return self.login_of(employee) or create_user(
            employee.employee_no.lower(), company.DEMO_PASSWORD, employee_id=employee.id,
            locale="zh_CN")

    def actor(self, who: str, case: Case) -> Actor:
        """The engine actor for a role of the case: a desk login or the person themselves."""
        if who in self.desks:
            return actor_for(self.desks[who])
        receiver = case.handover_receiver_id and self.session.get(Employee, case.handover_receiver_id)
        person = {"employee": case.employee, "supervisor": case.manager or case.employee.manager,
                  "receiver": receiver or case.manager}[who]
        if person is None:
            raise DemoError(f"demo case {case.reference}: nobody is its {who}")
        user = self.login_of(person)
        return actor_for(user) if user else Actor(
            user_id=None, employee_id=person.id, groups=frozenset({"employee"}), name=person.name)

    def receiver_login(self, item) -> User:
        if item.receiver_role in CLEARANCE_ROLES:
            return self.desks[item.receiver_role]
        return self.login(self.session.get(Employee, item.receiver_employee_id))

    def moment(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A time of day in China, as UTC; never later than now."""
        at = datetime.combine(day, time(hour, minute), tzinfo=CHINA_TZ).astimezone(UTC)
        return min(at, clock_now() - timedelta(minutes=1)) if day <= self.today else at

    def first_workday_after_next_holiday(self) -> date:
        """The first working day after the next public holiday (estimated when unpublished)."""
        from app.modules.workflows.hooks import app_calendar

        calendar, day = app_calendar(), self.today + timedelta(days=1)
        while not calendar.is_holiday(day):
            day += timedelta(days=1)
        return calendar.next_workday(day)

    def workday(self, days: int, start: date | None = None) -> date:
        """`days` working days from `start` (today): 1 is the next one, -1 the one before."""
        from app.modules.workflows.hooks import app_calendar

        return app_calendar().add_business_days(start or self.today, days)


@contextlib.contextmanager
def held_jobs(session):
    """Keep the queued jobs back while checklist operations use savepoints, whose commit
    would dispatch them before the data is committed."""
    pending = session.info.pop(PENDING_KEY, [])
    try:
        yield
    finally:
        session.info.setdefault(PENDING_KEY, []).extend(pending)


def _value(value, case: Case):
    if value == REQUESTED:
        return case.requested_last_day.isoformat()
    if isinstance(value, AfterNotice):
        from app.modules.workflows.hooks import app_calendar

        day = case.notice_date + timedelta(days=value.days)
        return (app_calendar().next_workday(day) if value.workday else day).isoformat()
    if isinstance(value, str) and "{year}" in value:  # a reference number of the notice's year
        return value.format(year=case.notice_date.year)
    return value


_DAYS_AGO = re.compile(r"\{(\d+) days ago\}")


def dated(line: str, today: date) -> str:
    """A text with every "{N days ago}" replaced by that date, so demo papers follow today."""
    return _DAYS_AGO.sub(lambda m: (today - timedelta(days=int(m.group(1)))).isoformat(), line)


@dataclass(frozen=True)
class Fire:
    """A workflow event, fired by whoever holds the role."""

    event: str
    who: str
    payload: Mapping = field(default_factory=dict)

    def run(self, desk: Desk, leaving: Leaving) -> None:
        case = leaving.case
        payload = {key: _value(value, case) for key, value in self.payload.items()}
        result = operations.fire_as_actor(case, self.event, desk.actor(self.who, case), None, payload)
        if not result.ok:
            raise DemoError(f"demo case {case.reference}: {self.event} refused: {result.refusal}")


@dataclass(frozen=True)
class Attach:
    """HR puts evidence on file (a dismissal for cause needs it before filing)."""

    filename: str
    lines: tuple[str, ...]

    def run(self, desk: Desk, leaving: Leaving) -> None:
        lines = tuple(dated(line, desk.today) for line in self.lines)
        operations.attach_file(leaving.case, desk.hr, evidence_pdf(lines), self.filename,
                               kind="evidence")


@dataclass(frozen=True)
class NameSuccessor:
    """The supervisor (or HR) names the colleague who takes the work over."""

    def run(self, desk: Desk, leaving: Leaving) -> None:
        from app.modules.handover.operations import name_successor

        case = leaving.case
        if leaving.successor is None:
            raise DemoError(f"demo case {case.reference}: no colleague to take the work over")
        manager = case.manager and desk.login_of(case.manager)
        with held_jobs(desk.session):
            name_successor(desk.session, case, manager or desk.hr, leaving.successor.id,
                           "由同组同事接手")


NOTES = {
    "knowledge": "已逐项讲解在办事项及进度，交接清单已发送至接手人邮箱。",
    "documents": "纸质档案已移交至档案柜，电子档案已转存至部门共享盘。",
    "customers": "已与接手人一起电话告知主要客户新的对接人。",
    "systems": "已提交账号注销申请。",
    "assets": "笔记本电脑、工牌及门禁卡已归还行政部。",
    "money": "备用金已退回，报销单已全部提交。",
}


@dataclass(frozen=True)
class HandOver:
    """The leaver hands over the items received by the roles in `handed` (every item when
    empty), with notes and evidence; the receivers confirm those received by the roles in
    `confirmed` (every handed-over item when None)."""

    handed: tuple[str, ...] = ()
    confirmed: tuple[str, ...] | None = None

    def run(self, desk: Desk, leaving: Leaving) -> None:
        from app.modules.handover.operations import Signer, confirm_item, hand_over_item, items_of

        case, session = leaving.case, desk.session
        handed = [i for i in items_of(session, case.id) if not self.handed or i.receiver_role in self.handed]
        confirmed = [i for i in handed if self.confirmed is None or i.receiver_role in self.confirmed]
        leaver = desk.login(case.employee)
        day = max(case.notice_date, desk.workday(-1, min(desk.today, case.last_day)))
        evidence = None
        with held_jobs(session):
            for n, item in enumerate(handed):
                if item.evidence_required and evidence is None:
                    evidence = operations.attach_file(case, leaver, evidence_pdf(_handover_lines(case)),
                                                      "交接资料.pdf", kind="handover_evidence")
                hand_over_item(session, item, Signer(leaver, at=desk.moment(day, 9, 5 * n)),
                               note=NOTES.get(item.category, ""),
                               evidence=evidence if item.evidence_required else None)
            for n, item in enumerate(confirmed):
                confirm_item(session, item, Signer(desk.receiver_login(item), at=desk.moment(day, 14, 5 * n)))


def _handover_lines(case: Case) -> tuple[str, ...]:
    return (f"Handover records - {case.employee.employee_no}", f"Case {case.reference}",
            f"Last working day {case.last_day.isoformat()}",
            "Open work, records and contacts, as exported from the systems.")


@dataclass(frozen=True)
class Schedule:
    """HR plans the exit interview `workdays` working days from today, or from the last
    day (negative: before it)."""

    workdays: int
    from_last_day: bool = False

    def run(self, desk: Desk, leaving: Leaving) -> None:
        from app.modules.interviews.operations import schedule_interview

        case = leaving.case
        room = "广州办公室3楼会议室" if case.city == "guangzhou" else "呼和浩特总部5楼人力资源部会谈室"
        day = desk.workday(self.workdays, case.last_day if self.from_last_day else None)
        starts_at = desk.moment(day, 10)
        # An interview already held was planned before its time: schedule it as of then.
        planned = travel(starts_at - timedelta(days=1)) if starts_at <= clock_now() else contextlib.nullcontext()
        with planned:
            schedule_interview(case, desk.hr, starts_at=starts_at, interviewer=desk.hr, location=room)


ANSWERS = {
    "pay": {
        "main_reason": "同行给出的底薪高出约两成，提成规则也更透明。",
        "when_decided": "春节后调薪没有落实，开始留意外面的机会。",
        "could_stay": "如果底薪能调整、提成按月及时发放，会认真考虑留下。",
        "liked": "组里同事互相帮忙，组长愿意分享经验。",
        "advice": "希望公司定期公布提成核算明细，减少误会。",
        "pay_fair": "工作量大，收入与付出不太匹配。",
        "growth": "培训不少，但晋升名额太少。",
        "manager": "与组长沟通顺畅。",
        "offer": "新单位离家近，底薪更高。",
    },
    "pressure": {
        "main_reason": "每天外呼量和回款指标压力很大，身体吃不消。",
        "when_decided": "连续两个月加班到很晚以后。",
        "could_stay": "如果能调整指标或转到质检岗位，可以留下。",
        "liked": "公司制度规范，合规培训做得好。",
        "advice": "指标制定时希望考虑案件质量的差别。",
        "pay_fair": "收入尚可，但压力太大。",
        "growth": "希望有机会学习风控或质检。",
        "manager": "主管要求严格，但能理解。",
        "personal_support": "如能弹性排班会好很多。",
    },
    "redundancy": {
        "main_reason": "所在岗位因业务调整合并，公司提出协商解除。",
        "when_decided": "部门开会通报调整方案之后。",
        "could_stay": "如果有合适的转岗机会，愿意留下。",
        "liked": "同事之间配合默契，培训体系完善。",
        "advice": "业务调整前希望能更早与员工沟通。",
        "process_fair": "补偿按规定计算，过程清楚。",
        "keep_in_touch": "愿意保持联系，有合适岗位可以再合作。",
    },
    "dismissal": {
        "main_reason": "连续两个季度考核未达标，公司决定解除合同。",
        "when_decided": "第二次绩效面谈后，知道可能被解除。",
        "could_stay": "如果培训期更长、指标分阶段提高，也许能跟上。",
        "liked": "合规培训做得扎实。",
        "advice": "新人的考核指标希望循序渐进。",
        "process_fair": "程序清楚，通知了工会，补偿也说明了计算方法。",
    },
    "contract_end": {
        "main_reason": "合同到期，想换一个方向发展。",
        "when_decided": "合同到期前两个月开始考虑。",
        "could_stay": "如果有法务相关岗位，会考虑续签。",
        "liked": "工作时间规律，同事友好。",
        "advice": "希望内部岗位信息更公开，方便转岗。",
        "keep_in_touch": "愿意保持联系。",
    },
    "retirement": {
        "main_reason": "到了法定退休年龄，养老金待遇已核定。",
        "when_decided": "去年开始准备退休手续。",
        "could_stay": "身体允许的话，可以兼职带带新人。",
        "liked": "在公司工作多年，同事关系融洽。",
        "advice": "建议为老员工安排更多经验分享的机会。",
        "keep_in_touch": "愿意保持联系，公司有活动可以叫我。",
    },
}


@dataclass(frozen=True)
class Hold:
    """HR records the answers and the confidential notes: the interview was held."""

    answers: str
    notes: str

    def run(self, desk: Desk, leaving: Leaving) -> None:
        from app.modules.interviews.operations import interview_of, record_answers

        record_answers(interview_of(leaving.case), desk.hr, answers=ANSWERS[self.answers],
                       notes=self.notes, expected_version=None)


@dataclass(frozen=True)
class Confirm:
    """HR confirms the reasons and the outcome; the case moves on or ends as retained."""

    outcome: str
    reasons: tuple[str, ...]
    regrettable: bool = True
    avoidable: bool = True
    voluntary: bool = True

    def run(self, desk: Desk, leaving: Leaving) -> None:
        from app.modules.interviews.operations import confirm_interview, interview_of

        confirm_interview(interview_of(leaving.case), desk.hr, reason_codes=list(self.reasons),
                          primary_reason=self.reasons[0], voluntary=self.voluntary,
                          regrettable=self.regrettable, avoidable=self.avoidable,
                          outcome=self.outcome, expected_version=None)


@dataclass(frozen=True)
class NotHeld:
    """The interview could not be held: HR says why and the case moves on."""

    reason: str

    def run(self, desk: Desk, leaving: Leaving) -> None:
        from app.modules.interviews.operations import record_not_held

        record_not_held(leaving.case, desk.hr, reason=self.reason)


@dataclass(frozen=True)
class Settle:
    """HR records the leave taken this year and the years of work; the sheet is computed."""

    leave_days: str

    def run(self, desk: Desk, leaving: Leaving) -> None:
        from app.modules.settlement.operations import record_settlement_facts

        case = leaving.case
        years = Decimal(max(1, (case.last_day - case.hire_date).days // 365 + 3))  # 3 before joining
        record_settlement_facts(case, leave_days_taken=Decimal(self.leave_days),
                                cumulative_work_years=years, non_compete_agreed=False,
                                non_compete_months=None)


def evidence_pdf(lines: tuple[str, ...]) -> bytes:
    """A one-page PDF with a few lines of ASCII text (Helvetica), as scanned evidence stands in."""
    text = "".join(f"BT /F1 11 Tf 56 {770 - 18 * n} Td ({_pdf_text(line)}) Tj ET\n"
                   for n, line in enumerate(lines)).encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
               b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
               b"<< /Length %d >>\nstream\n%sendstream" % (len(text), text)]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf_text(line: str) -> str:
    return line.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
