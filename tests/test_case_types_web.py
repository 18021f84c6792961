"""Mutual agreement, dismissal (Art 39; Art 40 with notice or pay in lieu), contract expiry,
retirement and resignation in probation end to end through the web, each step by the user it
belongs to, with the checklist, settlement and interview pages of their modules; and their
unhappy paths.

Voluntary resignations are driven through the web in test_cases.py, test_handover_web.py and
test_interviews.py.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import select

from app.engine.timing import CHINA_TZ
from app.modules.auth.permissions import roles_of
from app.modules.cases.models import CaseAttachment
from app.modules.cases.operations import notice_deadline
from tests.case_types_fixtures import buttons, china_time, documents, in_days, states, text
from tests.samples import PNG

pytest_plugins = ["tests.handover_fixtures", "tests.case_types_fixtures"]
NOTHING_FOR_YOU = "该案件目前没有需要您处理的事项。"


def inbox(web, username: str) -> str:
    return web.as_(username).get("/inbox")


def needs_attention(case) -> str:
    """The inbox title of a `notify` without its own template, in Chinese."""
    return f"案件 {case.reference} 需要您处理"


def settlement(web, case) -> tuple[dict[str, Decimal], str]:
    """HR's settlement sheet: amount per line, and the page."""
    page = web.as_("hr").get(f"/cases/{case.id}/settlement")
    amounts = {code: Decimal(amount.replace(",", "")) for code, amount in
               re.findall(r'data-test="amount-(\w+)">([^<]+)<', page)}
    return amounts, page


def record_leave(web, case) -> str:
    """HR enters the leave facts on the settlement page; the recomputed sheet."""
    url = f"/cases/{case.id}/settlement"
    assert "人事尚未录入本年度已休年休假天数" in web.as_("hr").get(url)
    response = web.post_page_form(url, f"{url}/facts", {
        "leave_days_taken": "1", "cumulative_work_years": "12"})
    assert response.status_code == 302
    return settlement(web, case)[1]


def finish_handover(web, case, leaver_signs="leaver", receiver_signs="successor") -> str:
    """The supervisor names the successor, every item is signed by both sides, then the two
    sign-offs of the whole handover; the page of the one who signed last."""
    web.name_successor(case)
    page = web.as_("leaver").case_page(case)
    assert 'data-test="checklist"' in page and "sign_leaver" in buttons(page)
    assert re.search(r"还有 \d+ 个交接事项需要双方签字。", page)  # the button says why it waits
    web.sign_checklist(case)
    page = web.as_(leaver_signs).step(case, "sign_leaver")
    assert "sign_leaver" not in buttons(page)
    return web.as_(receiver_signs).step(case, "sign_receiver")


def assert_archived(web, case, *kinds):
    """Archived: nobody has anything left to do; the leaver has left; the records exist."""
    for username in ("hr", "hradmin", "leaver"):
        page = web.as_(username).case_page(case)
        assert states(page) == ["已归档"] and buttons(page) == set(), username
    assert case.employee.status == "left"
    assert {"handover_certificate", "termination_certificate", *kinds} <= set(
        documents(web.as_("hr").case_page(case)))
    assert "termination_certificate" in documents(web.as_("leaver").case_page(case))  # Art 50


# ---------------------------------------------------------------- mutual agreement (Art 36)


def test_mutual_agreement_end_to_end(web, session, deliver, people):
    case = web.open_case("mutual_agreement", in_days(40))
    page = web.as_("hr").case_page(case)
    assert states(page) == ["草稿"] and buttons(page) == {"propose", "withdraw"}
    page = web.step(case, "propose", agreed_last_day=in_days(40))
    assert buttons(page) == set() and NOTHING_FOR_YOU in page
    assert f'data-test="agreed-last-day">{in_days(40)}<' in page
    assert documents(page) == {"termination_notice": "generating"}  # the agreement to sign
    assert deliver() and needs_attention(case) in inbox(web, "leaver")

    page = web.as_("leaver").case_page(case)
    assert buttons(page) == {"sign_employee", "decline"} and documents(page)
    page = web.as_("hradmin").step(case, "sign_company")
    assert buttons(page) == {"cancel"}  # the company signed; only the employee's side is open
    web.as_("leaver").step(case, "sign_employee")
    assert case.instance.configuration[0].startswith("handover.")

    page = finish_handover(web, case)
    assert states(page) == ["离职面谈"]
    assert buttons(web.as_("hr").case_page(case)) == {"complete_interview", "interview_not_held"}
    web.schedule_interview(case, people.hr_user.id)
    assert web.outcomes(case) == {"exit_confirmed"}  # the agreement is signed: no "retained"
    page = web.finish_interview(case, reasons=("redundancy",), voluntary="no")
    assert states(page) == ["结算"]
    amounts, sheet = settlement(web, case)
    assert amounts["compensation"] > 0 and "用人单位提出、双方协商一致解除：应支付经济补偿" in sheet
    sheet = record_leave(web, case)
    assert "每年年休假10天" in sheet and "人事尚未录入" not in sheet  # Leave Regulations Art 3
    page = web.as_("hr").case_page(case)
    assert buttons(page) == {"close"} and 'data-test="settlement-summary"' in page
    web.step(case, "close")
    assert_archived(web, case, "exit_interview_record")


def test_hr_signs_the_handover_for_a_leaver_whose_account_is_closed(web, session, people):
    """At 18:00 on the last day the leaver's login goes alumni-only; HR signs her side."""
    from app.modules.alumni.operations import shut_down_if_due

    case = web.open_case("mutual_agreement", in_days(40))
    web.as_("hr").step(case, "propose", agreed_last_day=in_days(40))
    web.as_("hradmin").step(case, "sign_company")
    web.as_("leaver").step(case, "sign_employee")
    web.name_successor(case)
    web.sign_checklist(case)
    assert shut_down_if_due(case, china_time(case.last_day, 19))
    assert roles_of(people.leaver_user) == {"alumni"}
    web.as_("leaver")
    response = web.client.get(f"/cases/{case.id}")
    assert "sign_leaver" not in buttons(text(response))  # she cannot sign any more
    page = web.as_("hr").case_page(case)
    assert "sign_leaver" in buttons(page) and "sign_receiver" not in buttons(page)
    web.step(case, "sign_leaver")
    page = web.as_("successor").step(case, "sign_receiver")
    assert states(page) == ["离职面谈"]


def test_mutual_agreement_proposed_by_the_employee_and_declined(web, session, deliver):
    case = web.open_case("mutual_agreement", in_days(40), proposed_by="employee")
    page = web.as_("leaver").case_page(case)
    assert buttons(page) == {"propose", "withdraw"}
    web.step(case, "propose", agreed_last_day=in_days(30))
    assert deliver() and needs_attention(case) in inbox(web, "hr")
    response = web.as_("hradmin").press(case, "decline", comment="")
    assert response.status_code == 400 and "请填写意见。" in text(response)
    page = web.step(case, "decline", comment="岗位暂无人接替，不同意提前解除")
    assert states(page) == ["未达成一致"] and buttons(page) == set()
    assert case.employee.status == "active" and "岗位暂无人接替" in page  # on the timeline


# ---------------------------------------------------------------- dismissal (Art 39 / Art 40)


def attach_evidence(web, case, data: bytes, name: str):
    return web.as_("hr").post_page_form(
        f"/cases/{case.id}", f"/cases/{case.id}/attachments", {"file": (BytesIO(data), name)},
        content_type="multipart/form-data")


@pytest.mark.parametrize("basis", ["art39", "art40_notice", "art40_pay_in_lieu"])
def test_dismissal_end_to_end(web, session, deliver, tick, people, basis):
    last_day = in_days(60)
    case = web.open_case("dismissal", last_day)
    page = web.as_("hr").case_page(case)
    assert buttons(page) == {"file_with_cause", "file_without_fault", "withdraw"}
    if basis == "art39":
        assert attach_evidence(web, case, PNG, "违纪记录.png").status_code == 302
        page = web.step(case, "file_with_cause", ground="serious_violation", comment="多次违规催收")
    else:
        mode = "notice" if basis == "art40_notice" else "pay_in_lieu"
        page = web.step(case, "file_without_fault", ground="incompetent", notice_mode=mode)
    assert states(page) == ["通知工会（第四十三条）"] and buttons(page) == {"record_union_reply", "withdraw"}
    assert set(documents(page)) == {"union_notice"}  # Art 43: drawn up to be sent to the union
    page = web.step(case, "record_union_reply", union_notified_on=in_days(0), comment="工会无异议")
    assert states(page) == ["决定"] and buttons(page) == set()  # the notice is the HR admin's
    assert set(documents(page)) == {"union_notice"}  # recording the reply adds no second one

    page = web.as_("hradmin").case_page(case)
    assert buttons(page) == {"issue_notice", "withdraw", "cancel"}
    page = web.step(case, "issue_notice", agreed_last_day=last_day)
    assert deliver() and needs_attention(case) in inbox(web, "leaver")
    if basis == "art40_notice":
        page = web.as_("hr").case_page(case)
        assert states(page) == ["提前三十日通知期"] and buttons(page) == {"start_handover"}
        tick(china_time(in_days(35)))  # the notice runs: nothing happens yet
        assert case.instance.configuration == ["notice_period"]
        tick(china_time(last_day, 0))  # cron, on the last day: the handover had to start
    assert case.instance.configuration[0].startswith("handover.")

    # A dismissed employee may refuse to sign: HR signs the leaver's side of the handover.
    page = finish_handover(web, case, leaver_signs="hr", receiver_signs="boss")
    assert states(page) == ["离职面谈"]
    if basis == "art39":
        page = web.interview_not_held(case, "本人拒绝参加离职面谈")
    else:
        web.schedule_interview(case, people.hr_user.id)
        assert web.outcomes(case) == {"exit_confirmed"}  # the company ended it: no "retained"
        page = web.finish_interview(case, reasons=("performance",), voluntary="no")
    assert states(page) == ["结算"]
    amounts, sheet = settlement(web, case)
    if basis == "art39":
        assert amounts["compensation"] == 0 and "过失性解除：无经济补偿" in sheet
    else:
        assert amounts["compensation"] > 0 and "无过失性解除：应支付经济补偿" in sheet
    assert (amounts["pay_in_lieu"] > 0) is (basis == "art40_pay_in_lieu")
    web.as_("hr").step(case, "settle")
    assert_archived(web, case)
    interview_record = "exit_interview_record" in documents(web.as_("hr").case_page(case))
    assert interview_record is (basis != "art39")  # no record of an interview not held


# ---------------------------------------------------------------- contract expiry (Art 44(1))


@pytest.mark.parametrize("terms, owed", [("equal_or_better", False), ("lower", True)])
def test_contract_expiry_end_to_end(web, session, deliver, people, terms, owed):
    case = web.open_case("contract_expiry", in_days(60))
    page = web.as_("hr").case_page(case)
    assert states(page) == ["续签决定"] and buttons(page) == {"offer_renewal", "not_renew"}
    assert NOTHING_FOR_YOU in web.as_("leaver").case_page(case)
    page = web.as_("hr").step(case, "offer_renewal", offer_terms=terms)
    assert states(page) == ["等待员工答复"] and buttons(page) == set()  # HR cannot answer for her
    assert documents(page) == {"renewal_offer": "generating"}  # the written offer
    assert deliver() and needs_attention(case) in inbox(web, "leaver")

    page = web.as_("leaver").case_page(case)
    assert buttons(page) == {"accept_renewal", "decline_renewal"}
    web.step(case, "decline_renewal")
    page = finish_handover(web, case)
    assert states(page) == ["离职面谈"]
    assert web.as_("hr").forbidden(case, "settle").status_code == 403  # the interview comes first
    web.schedule_interview(case, people.hr_user.id)
    assert web.outcomes(case) == {"exit_confirmed"}  # staying would be a renewal, decided above
    page = web.finish_interview(case, reasons=("contract_end",))
    assert states(page) == ["结算"]
    amounts, sheet = settlement(web, case)
    assert (amounts["compensation"] > 0) is owed  # Art 46(5)
    assert ("用人单位未维持或提高条件续订：应支付经济补偿" if owed
            else "用人单位维持或提高条件续订，劳动者不同意：无经济补偿") in sheet
    web.as_("hr").step(case, "settle")
    assert_archived(web, case, "exit_interview_record")


def test_contract_expiry_renewed_keeps_the_employee(web, session):
    case = web.open_case("contract_expiry", in_days(60))
    web.as_("hr").step(case, "offer_renewal", offer_terms="equal_or_better")
    page = web.as_("leaver").step(case, "accept_renewal")
    assert states(page) == ["已续签"] and buttons(page) == set()
    assert case.employee.status == "active" and 'data-test="checklist"' not in page


# ---------------------------------------------------------------- retirement (Art 44(2))


def test_retirement_end_to_end(web, session, deliver, tick, people):
    last_day = in_days(40)
    case = web.open_case("retirement", last_day, reasons=["retirement"])
    page = web.as_("hr").case_page(case)
    assert states(page) == ["退休准备"] and buttons(page) == {"confirm_pension"}
    tick(china_time(in_days(35)))  # ten working days before: HR and the supervisor are told
    deliver(china_time(in_days(35)))
    assert re.search(r"陈美丽 将于 \S+ 退休", inbox(web, "boss"))

    response = web.as_("hr").press(case, "confirm_pension", agreed_last_day=last_day, pension_reference="")
    assert response.status_code == 400 and "请填写文号。" in text(response)
    web.step(case, "confirm_pension", agreed_last_day=last_day, pension_reference="社保退休审批 2026-118")
    assert case.instance.configuration[0].startswith("handover.")
    deliver()
    assert needs_attention(case) in inbox(web, "leaver")

    page = finish_handover(web, case)
    assert states(page) == ["退休面谈"]
    page = web.as_("hr").case_page(case)
    assert buttons(page) == {"complete_interview", "interview_not_held"}
    amounts, sheet = settlement(web, case)
    assert amounts["compensation"] == 0 and "劳动合同终止：无经济补偿" in sheet

    web.schedule_interview(case, people.hr_user.id)
    assert web.outcomes(case) == {"exit_confirmed"}  # a retirement has no "retained" end
    web.finish_interview(case, reasons=("retirement",), voluntary="no")
    assert_archived(web, case, "exit_interview_record")
    assert "exit_interview_record" not in documents(web.as_("leaver").case_page(case))


# ---------------------------------------------------------------- resignation in probation (Art 37)


def test_probation_resignation_escalated_acknowledged_and_retained(web, session, deliver, tick, people):
    people.leaver.probation_end = in_days(60)
    case = web.file_resignation(in_days(10))
    assert case.workflow_id == "probation_resignation"
    page = web.as_("leaver").step(case, "submit")
    assert states(page) == ["确认收到"]
    deliver()
    escalated = f"已升级：案件 {case.reference} 审批超时"
    assert escalated not in inbox(web, "hr")
    tick(china_time(in_days(14)))  # the supervisor let it lie: the case goes to HR, and HR is told
    deliver(china_time(in_days(14)))
    assert escalated in inbox(web, "hr")

    response = web.as_("boss").press(case, "acknowledge", agreed_last_day=in_days(12))
    assert response.status_code == 400  # Art 37: the employer may shorten the notice, not extend it
    assert str(in_days(10)) in text(response)  # the day she asked for
    assert case.instance.configuration == ["acknowledgement"]
    web.as_("hr").step(case, "acknowledge", agreed_last_day=in_days(8))
    assert case.agreed_last_day == in_days(8)

    page = finish_handover(web, case)
    assert states(page) == ["离职面谈"]
    web.schedule_interview(case, people.hr_user.id)
    assert web.outcomes(case) == {"exit_confirmed", "retained"}
    page = web.finish_interview(case, outcome="retained")
    assert states(page) == ["已挽留"] and buttons(page) == set()
    assert case.employee.status == "active"


# ---------------------------------------------------------------- unhappy paths


@pytest.fixture(params=["zh_CN", "en"])
def locale(request, people, session):
    """HR and the HR admin read the pages in this language."""
    for user in (people.hr_user, people.hr_admin_user):
        user.locale = request.param
    session.flush()
    return request.param


def says(response, messages: dict, locale: str) -> bool:
    return messages[locale] in text(response)


def test_art39_needs_real_evidence(web, session, locale):
    case = web.open_case("dismissal", in_days(45))
    response = attach_evidence(web, case, b"MZ\x90\x00 an executable", "证据.pdf")
    assert response.status_code == 302
    page = web.case_page(case)
    assert {"zh_CN": "只接受 PDF、PNG 或 JPEG 文件",
            "en": "Only PDF, PNG or JPEG files are accepted"}[locale] in page
    assert session.scalar(select(CaseAttachment.id).where(CaseAttachment.case_id == case.id)) is None
    response = web.press(case, "file_with_cause", ground="serious_violation", comment="违规")
    assert response.status_code == 400 and says(response, {
        "zh_CN": "依第三十九条解除前，请先上传证据材料。",
        "en": "Attach the evidence for the Art 39 ground before filing."}, locale)
    assert case.instance.configuration == ["draft"]


def test_art39_1_only_during_probation(web, session, people, locale):
    """LCL Art 39(1) (not meeting the hiring conditions) exists only in probation (Art 21)."""
    people.leaver.probation_end = None
    case = web.open_case("dismissal", in_days(45))
    assert attach_evidence(web, case, PNG, "考核记录.png").status_code == 302
    response = web.press(case, "file_with_cause", ground="probation_unfit", comment="试用期考核不合格")
    assert response.status_code == 400 and says(response, {
        "zh_CN": "第三十九条第（一）项仅适用于试用期内",
        "en": "Art 39(1) applies only during the probation period"}, locale)
    assert case.instance.configuration == ["draft"]
    people.leaver.probation_end = in_days(30)
    web.step(case, "file_with_cause", ground="probation_unfit", comment="试用期考核不合格")
    assert case.instance.configuration == ["union_notification"]
    web.step(case, "record_union_reply", union_notified_on=in_days(0), comment="已通知")
    people.leaver.probation_end = in_days(-1)  # probation ended before the notice went out
    response = web.as_("hradmin").press(case, "issue_notice", agreed_last_day=in_days(1))
    assert response.status_code == 400 and says(response, {
        "zh_CN": "第三十九条第（一）项仅适用于试用期内",
        "en": "Art 39(1) applies only during the probation period"}, locale)
    assert case.instance.configuration == ["decision"]


PROTECTED = {"zh_CN": ("该员工受 LCL Art 42(3): 患病或者非因工负伤，在规定的医疗期内", "不得依第四十条解除"),
             "en": ("This employee is protected by LCL Art 42(3)", "illness or non-work injury within the "
                    "statutory medical period", "a no-fault dismissal (Art 40) is not allowed")}


def test_art42_protection_is_named_and_bars_only_art40(web, session, people, locale):
    people.leaver.protections = ["medical_period"]
    case = web.open_case("dismissal", in_days(45))
    response = web.press(case, "file_without_fault", ground="medical_unfit", notice_mode="notice")
    assert response.status_code == 400
    assert all(part in text(response) for part in PROTECTED[locale])
    assert case.instance.configuration == ["draft"]
    assert attach_evidence(web, case, PNG, "记录.png").status_code == 302
    web.step(case, "file_with_cause", ground="serious_violation", comment="严重违纪")  # Art 39 still may
    assert case.instance.configuration == ["union_notification"]


def test_protection_arising_before_the_notice_stops_it(web, session, people, locale):
    case = web.open_case("dismissal", in_days(45))
    web.as_("hr").step(case, "file_without_fault", ground="incompetent", notice_mode="notice")
    web.step(case, "record_union_reply", union_notified_on=in_days(0), comment="已通知")
    people.leaver.protections = ["pregnancy"]  # she tells HR she is pregnant
    response = web.as_("hradmin").press(case, "issue_notice", agreed_last_day=in_days(45))
    assert response.status_code == 400 and "LCL Art 42(4)" in text(response)
    assert says(response, {"zh_CN": "女职工在孕期、产期、哺乳期", "en": "pregnant, on maternity leave"}, locale)
    assert case.instance.configuration == ["decision"]


def test_no_dismissal_before_the_union_is_told(web, session, locale):
    case = web.open_case("dismissal", in_days(45))
    web.as_("hr").step(case, "file_without_fault", ground="incompetent", notice_mode="pay_in_lieu")
    assert "issue_notice" not in buttons(web.as_("hradmin").case_page(case))
    response = web.forbidden(case, "issue_notice", agreed_last_day=in_days(45))
    assert response.status_code == 403  # Art 43: there is no way around the union step
    response = web.as_("hr").press(case, "record_union_reply", union_notified_on="", comment="明天通知")
    assert response.status_code == 400 and says(response, {"zh_CN": "请填写日期。", "en": "Enter a date."}, locale)
    web.step(case, "record_union_reply", union_notified_on=in_days(3), comment="三天后开会通知")
    page = web.as_("hradmin").case_page(case)
    refusal = {"zh_CN": "第四十三条：通知工会的日期不能晚于今天。",
               "en": "Art 43: the union notification date is in the future."}
    assert refusal[locale] in page  # the button says why before anyone presses it
    response = web.press(case, "issue_notice", agreed_last_day=in_days(45))
    assert response.status_code == 400 and says(response, refusal, locale)
    assert case.instance.configuration == ["decision"]


def test_contract_expiry_waits_for_the_employees_answer(web, session, deliver, tick, locale):
    case = web.open_case("contract_expiry", in_days(60))
    response = web.as_("hr").press(case, "offer_renewal", offer_terms="")
    assert response.status_code == 400 and says(response, {"zh_CN": "请选择一项。", "en": "Choose one."}, locale)
    assert case.instance.configuration == ["renewal_decision"]
    web.step(case, "offer_renewal", offer_terms="equal_or_better")
    response = web.forbidden(case, "decline_renewal")
    assert response.status_code == 403  # only the employee answers the offer
    tick(china_time(in_days(15)))  # two weeks without an answer
    assert case.instance.configuration == ["awaiting_employee"]
    deliver(china_time(in_days(15)))
    assert "提醒：请答复续签劳动合同的提议" in inbox(web, "leaver")
    assert buttons(web.case_page(case)) == {"accept_renewal", "decline_renewal"}


@pytest.mark.parametrize("workflow, who, event, fields", [
    ("mutual_agreement", "boss", "propose", {"agreed_last_day": "2027-01-29"}),
    ("dismissal", "leaver", "file_without_fault", {"ground": "incompetent", "notice_mode": "notice"}),
    ("dismissal", "boss", "file_with_cause", {"ground": "serious_violation", "comment": "迟到"}),
    ("contract_expiry", "leaver", "offer_renewal", {"offer_terms": "lower"}),
    ("retirement", "boss", "confirm_pension", {"agreed_last_day": "2027-01-29", "pension_reference": "X"}),
])
def test_wrong_role_and_another_supervisor(web, session, workflow, who, event, fields):
    case = web.open_case(workflow, in_days(60))
    before = list(case.instance.configuration)
    assert event not in buttons(web.as_(who).case_page(case))
    assert web.forbidden(case, event, **fields).status_code == 403
    web.as_("otherboss").get(f"/cases/{case.id}", status=404)
    assert web.forbidden(case, event, **fields).status_code == 404
    assert case.instance.configuration == before


def test_stale_signature_is_a_409_with_a_reload_link(web, session, locale):
    case = web.open_case("mutual_agreement", in_days(40))
    web.as_("hr").step(case, "propose", agreed_last_day=in_days(40))
    admin = web.another().as_("hradmin")
    seen = admin.event_form(case, "sign_company")
    web.as_("leaver").step(case, "sign_employee")  # meanwhile, in her own web
    response = admin.post_event(case, "sign_company", seen)
    assert response.status_code == 409 and f'href="/cases/{case.id}"' in text(response)
    assert says(response, {"zh_CN": "重新加载最新版本", "en": "Reload the current version"}, locale)
    assert admin.step(case, "sign_company")  # after reloading, it works
    assert case.instance.configuration[0].startswith("handover.")


# ---------------------------------------------------------------- bugs found on the way


def test_art40_notice_must_leave_thirty_days(web, session):
    case = web.open_case("dismissal", in_days(45))
    web.as_("hr").step(case, "file_without_fault", ground="incompetent", notice_mode="notice")
    web.step(case, "record_union_reply", union_notified_on=in_days(0), comment="已通知")
    response = web.as_("hradmin").press(case, "issue_notice", agreed_last_day=in_days(5))
    assert response.status_code == 400  # Art 40: 30 days' written notice, or pay in lieu
    earliest, _ = notice_deadline(datetime.now(CHINA_TZ).date(), 30)
    assert "第四十条" in text(response) and str(earliest) in text(response)
    assert case.instance.configuration == ["decision"]
    web.press(case, "issue_notice", agreed_last_day=earliest)
    assert case.instance.configuration == ["notice_period"]


def test_the_notice_period_ends_by_the_agreed_last_day(web, session, tick):
    case = web.open_case("dismissal", in_days(80))  # HR's first plan
    web.as_("hr").step(case, "file_without_fault", ground="incompetent", notice_mode="notice")
    web.step(case, "record_union_reply", union_notified_on=in_days(0), comment="已通知")
    web.as_("hradmin").step(case, "issue_notice", agreed_last_day=in_days(40))  # the notice says
    tick(china_time(in_days(40), 0))
    assert case.instance.configuration[0].startswith("handover.")


def test_the_agreed_last_day_drives_the_account_shutdown_and_the_checklist(web, session):
    from app.engine.models import OutboxJob
    from app.modules.handover.operations import items_of

    case = web.open_case("retirement", in_days(80))  # HR's first estimate
    web.as_("hr").step(case, "confirm_pension", agreed_last_day=in_days(40), pension_reference="R-1")
    shutdown = session.scalar(select(OutboxJob).where(OutboxJob.kind == "account_shutdown"))
    assert shutdown.available_at.date() < in_days(50)  # 18:00 on her last day, not weeks later
    assert max(item.due_on for item in items_of(session, case.id)) < in_days(50)


def test_the_case_page_names_the_parallel_states(web, session):
    case = web.open_case("mutual_agreement", in_days(40))
    page = web.as_("hr").step(case, "propose", agreed_last_day=in_days(40))
    assert states(page) == ["签署协议"]
    web.as_("hradmin").step(case, "sign_company")
    page = web.as_("leaver").step(case, "sign_employee")
    assert states(page) == ["工作交接"]
