"""Demo cases of every separation type in every state a case can rest in, driven through
the engine and the real operations.

Each case is opened with the real operation and moved by the people the workflow names:
events, the handover checklist (items handed over with notes and evidence, confirmed by
their receivers), the exit interview (scheduled, held, confirmed) and the settlement
sheet. The dates follow the demo's today and the notice rules, so the HR queue, the
supervisor's team view, the alumni archive and the analytics look as in use.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.demo.casework import (
    REQUESTED,
    AfterNotice,
    Attach,
    Confirm,
    DemoError,
    Desk,
    Fire,
    HandOver,
    Hold,
    Leaving,
    NameSuccessor,
    NotHeld,
    Schedule,
    Settle,
)
from app.demo.casting import Cast, cast_people
from app.modules.cases import operations
from app.modules.cases.models import Case
from app.modules.employees.models import Employee

VR, PR, MA = "voluntary_resignation", "probation_resignation", "mutual_agreement"
DIS, CE, RET = "dismissal", "contract_expiry", "retirement"


@dataclass(frozen=True)
class Script:
    """One demo case: who plays it (a casting pool), when notice was given, its steps, and
    the top-level state it rests in afterwards."""

    key: str
    workflow_id: str
    state: str
    pool: str
    notice_ago: int  # days from the notice date to today (moved back to a working day)
    steps: tuple = ()
    reasons: tuple[str, ...] = ()
    statement: str = ""
    proposed_by: str = "employer"
    on_contract_end: bool = False  # the requested last day is the end of the contract
    across_holiday: bool = False  # the notice runs across the next public holiday


# ---------------------------------------------------------------- the steps, reused

SUBMIT = Fire("submit", "employee")
APPROVED = (SUBMIT, Fire("approve", "supervisor", {"agreed_last_day": REQUESTED}), Fire("approve", "hr"))
ACKNOWLEDGED = (SUBMIT, Fire("acknowledge", "supervisor", {"agreed_last_day": REQUESTED}))
# The successor is named, every item handed over and confirmed, both sides sign off.
HANDED_OVER = (NameSuccessor(), HandOver(), Fire("sign_leaver", "employee"), Fire("sign_receiver", "receiver"))
# A leaver who will not sign the whole handover off: HR signs their side.
HR_SIGNED_OFF = (NameSuccessor(), HandOver(), Fire("sign_leaver", "hr"), Fire("sign_receiver", "receiver"))
PROPOSED = Fire("propose", "hr", {"agreed_last_day": AfterNotice(15)})
AGREED = (PROPOSED, Fire("sign_employee", "employee"), Fire("sign_company", "hr_admin"))
UNION = Fire("record_union_reply", "hr", {"union_notified_on": AfterNotice(0, workday=False),
                                          "comment": "已书面通知公司工会，工会无异议。"})
NO_FAULT = Fire("file_without_fault", "hr", {"ground": "incompetent", "notice_mode": "notice"})
IN_LIEU = Fire("file_without_fault", "hr", {"ground": "incompetent", "notice_mode": "pay_in_lieu"})
NOTICE_SERVED = (NO_FAULT, UNION, Fire("issue_notice", "hr_admin", {"agreed_last_day": REQUESTED}))
OFFERED = Fire("offer_renewal", "hr", {"offer_terms": "equal_or_better"})
NOT_RENEWED = Fire("not_renew", "hr", {"comment": "业务收缩，岗位不再保留，不予续订。"})
INVOLUNTARY = {"voluntary": False, "regrettable": False, "avoidable": False}


def _cancel(comment: str) -> Fire:
    return Fire("cancel", "hr_admin", {"comment": comment})


def _pension(number: int) -> Fire:
    return Fire("confirm_pension", "hr", {"agreed_last_day": REQUESTED,
                                          "pension_reference": f"呼人社养〔{{year}}〕{number}号"})


def _voluntary() -> tuple[Script, ...]:
    return (
        Script("vr-draft", VR, "draft", "others", 1, (), ("family",),
               "爱人工作调动到包头，需要随迁，申请离职。"),
        Script("vr-review-team", VR, "supervisor_review", "team", 2, (SUBMIT,),
               ("pay_benefits", "workload"), "家里有事，需要回老家照顾老人。"),
        Script("vr-review", VR, "supervisor_review", "others", 6, (SUBMIT,),
               ("competition", "pay_benefits"), "已收到其他公司的录用通知，申请离职。"),
        Script("vr-review-holiday", VR, "supervisor_review", "others", 3, (SUBMIT,), ("family",),
               "春节后回老家发展，申请在节后离职。", across_holiday=True),
        Script("vr-hr-review", VR, "hr_review", "others", 4, APPROVED[:2],
               ("development", "career"), "希望转向风控方向发展，感谢公司的培养。"),
        Script("vr-handover", VR, "handover", "others", 12, APPROVED, ("study",),
               "考取了在职研究生，需要脱产学习。"),
        Script("vr-handover-signing", VR, "handover", "team", 24,
               (*APPROVED, NameSuccessor(), HandOver(("successor", "supervisor"), ("successor",))),
               ("workload", "health"), "长期高强度外呼，身体吃不消，申请离职休养。"),
        Script("vr-handover-leaver-signed", VR, "handover", "others", 27,
               (*APPROVED, NameSuccessor(), HandOver(), Fire("sign_leaver", "employee")),
               ("environment",), "个人原因，申请离职。"),
        Script("vr-interview-scheduled", VR, "exit_interview", "others", 29,
               (*APPROVED, *HANDED_OVER, Schedule(1)), ("competition",),
               "已收到同行公司的录用通知，申请离职。"),
        Script("vr-interview-held", VR, "exit_interview", "others", 31,
               (*APPROVED, *HANDED_OVER, Schedule(-1),
                Hold("pressure", "考核压力是主因；如能转岗质检，本人愿意考虑。建议复核本组指标。")),
               ("workload", "management"), "工作压力太大，申请离职。"),
        Script("vr-archived", VR, "archived", "others", 52,
               (*APPROVED, *HANDED_OVER, Schedule(-1, from_last_day=True),
                Hold("pay", "底薪低于同行约20%，提成核算不透明；业绩稳定，可列入返聘名单。"),
                Confirm("exit_confirmed", ("pay_benefits", "competition"))),
               ("pay_benefits",), "因个人发展原因申请离职。"),
        Script("vr-archived-team", VR, "archived", "team", 45,
               (*APPROVED, *HANDED_OVER,
                NotHeld("员工最后工作日后即入职新单位，多次电话联系未能约定面谈时间。")),
               ("competition",), "已找到新工作，申请离职。"),
        Script("vr-retained", VR, "retained", "others", 20,
               (*APPROVED, *HANDED_OVER, Schedule(-1),
                Hold("pressure", "同意调至质检部并调整排班，员工撤回离职。"),
                Confirm("retained", ("workload",))),
               ("workload",), "工作压力大，申请离职。"),
        Script("vr-rejected", VR, "rejected", "others", 8,
               (SUBMIT, Fire("decline", "supervisor",
                             {"comment": "重复提交：本人的纸质辞职信已在办理，此线上申请作废。"})),
               ("career",), "想换个行业发展，申请离职。"),
        Script("vr-withdrawn", VR, "withdrawn", "others", 5, (SUBMIT, Fire("withdraw", "employee")),
               ("family",), "家中老人生病，需要回老家照顾。"),
        Script("vr-cancelled", VR, "cancelled", "others", 3,
               (SUBMIT, _cancel("误建案件：员工为内部调岗至质检部，并非离职。")),
               ("development",), "申请调岗。"),
    )


def _probation() -> tuple[Script, ...]:
    return (
        Script("pr-draft", PR, "draft", "probation", 0, (), ("environment",),
               "工作内容与入职时了解的不一致，申请离职。"),
        Script("pr-ack", PR, "acknowledgement", "probation", 1, (SUBMIT,), ("workload",),
               "不适应催收工作的节奏，申请离职。"),
        Script("pr-handover", PR, "handover", "probation", 2,
               (*ACKNOWLEDGED, NameSuccessor(), HandOver(("successor",), ())), ("family",),
               "家里安排了回老家的工作。"),
        Script("pr-interview", PR, "exit_interview", "probation", 2,
               (*ACKNOWLEDGED, *HANDED_OVER, Schedule(1)), ("development",),
               "岗位内容与期望不符，希望从事数据分析工作。"),
        Script("pr-closing", PR, "closing", "probation", 6,
               (*ACKNOWLEDGED, *HANDED_OVER, NotHeld("员工已回老家，电话联系后表示不参加面谈。")),
               ("pay_benefits",), "试用期薪资与预期差距较大。"),
        Script("pr-archived", PR, "archived", "probation", 9,
               (*ACKNOWLEDGED, *HANDED_OVER, Schedule(-1, from_last_day=True),
                Hold("pressure", "带教师傅请假期间无人指导；建议试用期员工固定带教人。"),
                Confirm("exit_confirmed", ("environment", "workload")), Fire("close", "hr")),
               ("environment", "workload"), "不适应工作环境，申请离职。"),
        Script("pr-retained", PR, "retained", "probation", 3,
               (*ACKNOWLEDGED, *HANDED_OVER, Schedule(-1),
                Hold("pressure", "同意固定带教人并先安排白班，员工撤回辞职，继续试用。"),
                Confirm("retained", ("workload",))),
               ("workload",), "不适应催收工作的节奏，申请离职。"),
        Script("pr-withdrawn", PR, "withdrawn", "probation", 1,
               (SUBMIT, Fire("withdraw", "employee")), ("workload",), "压力较大，申请离职。"),
        Script("pr-cancelled", PR, "cancelled", "probation", 2,
               (_cancel("员工与主管沟通后决定继续试用，未提交书面辞职。"),), ("workload",)),
    )


def _mutual() -> tuple[Script, ...]:
    redundancy = ("redundancy",)
    note = "催收二部业务调整，岗位合并，经协商一致解除劳动合同。"
    return (
        Script("ma-draft", MA, "draft", "others", 1, (), redundancy, note),
        Script("ma-agreement", MA, "agreement", "others", 3, (PROPOSED,), redundancy, note),
        Script("ma-agreement-employee-signed", MA, "agreement", "team", 4,
               (Fire("propose", "employee", {"agreed_last_day": AfterNotice(20)}),
                Fire("sign_employee", "employee")),
               ("career",), "本人提出协商解除，准备自主创业。", proposed_by="employee"),
        Script("ma-handover", MA, "handover", "others", 10,
               (*AGREED, NameSuccessor(), HandOver(("successor", "it", "admin"), ("it", "admin"))), redundancy, note),
        Script("ma-interview", MA, "exit_interview", "others", 13, (*AGREED, *HANDED_OVER, Schedule(1)),
               redundancy, note),
        Script("ma-closing", MA, "closing", "others", 19,
               (*AGREED, *HANDED_OVER, Schedule(-1, from_last_day=True),
                Hold("redundancy", "对补偿方案无异议；业务熟练，岗位恢复时可优先联系。"),
                Confirm("exit_confirmed", redundancy, **{**INVOLUNTARY, "regrettable": True}),
                Settle("3")),
               redundancy, note),
        Script("ma-archived", MA, "archived", "others", 40,
               (*AGREED, *HANDED_OVER, NotHeld("员工已入职新单位，表示不需要面谈。"), Settle("5"),
                Fire("close", "hr")), redundancy, note),
        Script("ma-declined", MA, "declined", "others", 8,
               (PROPOSED, Fire("decline", "employee", {"comment": "补偿方案低于预期，希望按N+1协商。"})),
               redundancy, note),
        Script("ma-withdrawn", MA, "withdrawn", "others", 6, (Fire("withdraw", "hr"),), redundancy,
               "岗位调整方案暂缓，撤回协商。"),
        Script("ma-cancelled", MA, "cancelled", "others", 5,
               (PROPOSED, _cancel("重复建档，已在另一案件中处理。")), redundancy, note),
    )


def _dismissal() -> tuple[Script, ...]:
    performance = ("performance",)
    note = "连续两个季度考核末位，经培训及调岗后仍不能胜任工作。"
    return (
        Script("dis-draft", DIS, "draft", "others", 1, (), performance, note),
        Script("dis-union", DIS, "union_notification", "others", 2, (NO_FAULT,), performance, note),
        Script("dis-decision", DIS, "decision", "others", 4, (NO_FAULT, UNION), performance, note),
        # Art 40 notice runs 30 days from the day it is served: today.
        Script("dis-notice", DIS, "notice_period", "team", 0, NOTICE_SERVED, performance, note),
        Script("dis-handover", DIS, "handover", "others", 5,
               (Fire("file_without_fault", "hr", {"ground": "circumstances_changed",
                                                  "notice_mode": "pay_in_lieu"}), UNION,
                Fire("issue_notice", "hr_admin", {"agreed_last_day": AfterNotice(7)}),
                NameSuccessor(), HandOver(("successor",))),
               ("redundancy",), "外包项目终止，原岗位取消，协商变更岗位未能达成一致。"),
        Script("dis-settlement", DIS, "settlement", "others", 6,
               (Attach("违规记录及调查笔录.pdf", (
                   "Compliance investigation: call recordings reviewed {51 days ago} to {26 days ago}",
                   "Debtors contacted repeatedly from a private phone, outside the dialer",
                   "Written warnings: {110 days ago} and {54 days ago}")),
                Fire("file_with_cause", "hr", {"ground": "serious_violation", "comment":
                     "多次使用私人手机联系债务人，违反《催收作业合规守则》第十二条，经两次书面警告仍未改正。"}),
                UNION, Fire("issue_notice", "hr_admin", {"agreed_last_day": AfterNotice(1)}),
                *HR_SIGNED_OFF, NotHeld("员工拒绝参加离职面谈，表示将通过仲裁主张权利。"), Settle("2")),
               ("compliance", "misconduct"), "严重违反公司合规制度。"),
        Script("dis-interview", DIS, "exit_interview", "others", 8,
               (IN_LIEU, UNION, Fire("issue_notice", "hr_admin", {"agreed_last_day": AfterNotice(10)}),
                *HR_SIGNED_OFF, Schedule(1)), performance, note),
        Script("dis-archived", DIS, "archived", "others", 45,
               (IN_LIEU, UNION, Fire("issue_notice", "hr_admin", {"agreed_last_day": AfterNotice(3)}),
                *HANDED_OVER, Schedule(-1, from_last_day=True),
                Hold("dismissal", "认为考核指标偏高，但认可解除程序；已说明代通知金及经济补偿的计算。"),
                Confirm("exit_confirmed", performance, **INVOLUNTARY), Settle("4"), Fire("settle", "hr")),
               performance, note),
        Script("dis-withdrawn", DIS, "withdrawn", "others", 7,
               (NO_FAULT, Fire("withdraw", "hr")), performance,
               "工会提出异议，经复核考核材料不充分，撤回解除。"),
        Script("dis-cancelled", DIS, "cancelled", "others", 3,
               (_cancel("员工已提出辞职，改走辞职流程。"),), performance, note),
    )


def _expiry() -> tuple[Script, ...]:
    ending = ("contract_end",)
    return (
        Script("ce-renewal", CE, "renewal_decision", "expiring", 2, (), ending, on_contract_end=True),
        Script("ce-awaiting", CE, "awaiting_employee", "expiring", 6, (OFFERED,), ending,
               on_contract_end=True),
        Script("ce-handover", CE, "handover", "expiring", 20,
               (NOT_RENEWED, NameSuccessor(), HandOver(("successor", "finance"), ("finance",))), ending,
               on_contract_end=True),
        Script("ce-interview", CE, "exit_interview", "expiring", 26,
               (NOT_RENEWED, *HANDED_OVER, Schedule(1)), ending),
        Script("ce-settlement", CE, "settlement", "expiring", 33,
               (OFFERED, Fire("decline_renewal", "employee"), *HANDED_OVER, Schedule(-1, from_last_day=True),
                Hold("contract_end", "续签条件不低于原合同，本人仍决定离开；希望转做法务助理。"),
                Confirm("exit_confirmed", ending, voluntary=True, regrettable=True, avoidable=False),
                Settle("4")), ending,
               "公司以不低于原合同的条件提出续订，员工不同意续订。"),
        Script("ce-archived", CE, "archived", "expiring", 50,
               (NOT_RENEWED, *HANDED_OVER, NotHeld("最后工作日当天员工休假，未能安排面谈。"), Settle("5"),
                Fire("settle", "hr")), ending),
        Script("ce-renewed", CE, "renewed", "expiring", 12, (OFFERED, Fire("accept_renewal", "employee")),
               ending, on_contract_end=True),
        Script("ce-cancelled", CE, "cancelled", "expiring", 4,
               (_cancel("合同已续订为无固定期限，误建案件。"),), ending, on_contract_end=True),
    )


def _retirement() -> tuple[Script, ...]:
    retirement = ("retirement",)
    return (
        Script("ret-prep", RET, "preparation", "senior", 3, (), retirement),
        Script("ret-handover", RET, "handover", "senior", 18,
               (_pension(131), NameSuccessor(), HandOver((), ("successor",))), retirement),
        Script("ret-farewell", RET, "farewell", "senior", 30, (_pension(118), *HANDED_OVER, Schedule(2)),
               retirement),
        Script("ret-archived", RET, "archived", "senior", 60,
               (_pension(97), *HANDED_OVER, Schedule(-1, from_last_day=True),
                Hold("retirement", "在公司工作近十年，愿意退休后兼职带新人。"),
                Confirm("exit_confirmed", retirement, regrettable=False, avoidable=False,
                        voluntary=False)), retirement),
        Script("ret-cancelled", RET, "cancelled", "senior", 10,
               (_cancel("员工申请弹性延迟退休，经协商一致暂缓办理。"),), retirement),
    )


def scripts() -> tuple[Script, ...]:
    """Every demo case, workflow by workflow."""
    return _voluntary() + _probation() + _mutual() + _dismissal() + _expiry() + _retirement()


# ---------------------------------------------------------------- loading


def load_demo_cases(session: Session, today: date) -> int:
    """Open and advance the demo cases that are not there yet; returns how many were added.

    A case is there when its leaver has any case, so a second run adds nothing.
    """
    from app.demo.loader import SEED, demo_anchor, demo_people

    desk = Desk.open(session, today)
    if desk is None:
        return 0
    every = scripts()
    anchor = demo_anchor(session)  # the cast follows the company as it was loaded
    people = demo_people(SEED, anchor)
    cast = cast_people([(s.key, s.pool) for s in every], people, _supervisor_no(session), SEED, anchor)
    people = _employees(session, list(cast.values()))
    with_case = set(session.scalars(select(Case.employee_id)))
    added = 0
    for script in every:
        roles = cast.get(script.key)
        leaver = people.get(roles.leaver) if roles else None
        if leaver is None or leaver.id in with_case or leaver.status == "left":
            continue
        leaving = Leaving(_open(desk, script, leaver), people.get(roles.successor))
        for step in script.steps:
            step.run(desk, leaving)
        resting = leaving.case.instance.configuration[0].split(".")[0]
        if resting != script.state:
            raise DemoError(f"demo case {script.key} rests in {resting}, not {script.state}")
        added += 1
    return added


def people_logins(session: Session) -> list[str]:
    """The logins the demo cases gave their people (user name: the employee number)."""
    from sqlalchemy import func

    from app.modules.auth.models import User

    return list(session.scalars(select(User.username).join(Employee, Employee.id == User.employee_id)
                                .where(User.username == func.lower(Employee.employee_no))
                                .order_by(User.username)))


def _supervisor_no(session: Session) -> str | None:
    from app.modules.auth.models import User

    return session.scalar(select(Employee.employee_no).join(User, User.employee_id == Employee.id)
                          .where(User.username == "supervisor"))


def _employees(session: Session, cast: list[Cast]) -> dict[str, Employee]:
    numbers = {n for roles in cast for n in (roles.leaver, roles.successor) if n}
    return {e.employee_no: e for e in session.scalars(
        select(Employee).where(Employee.employee_no.in_(numbers)))}


def _open(desk: Desk, script: Script, employee: Employee) -> Case:
    # Notice was given on a working day: the one `notice_ago` days back, or the one before
    # it; a notice served today is served today, whatever day it is.
    notice = desk.today if script.notice_ago == 0 else desk.workday(
        -1, desk.today - timedelta(days=script.notice_ago - 1))
    if script.on_contract_end and employee.contract_end and employee.contract_end > desk.today:
        last_day = employee.contract_end
    else:
        last_day, _estimated = operations.default_last_day(employee, notice)
    if script.across_holiday:
        last_day = max(last_day, desk.first_workday_after_next_holiday())
    return operations.open_case(
        employee, script.workflow_id, desk.hr, notice_date=notice, requested_last_day=last_day,
        reason_codes=list(script.reasons), primary_reason=script.reasons[0] if script.reasons else None,
        statement=script.statement, facts={"proposed_by": script.proposed_by})
