"""Settlement sheets through real cases: what is owed and why, overrides, access.

Articles: LCL = Labor Contract Law; Reg = its Implementation Regulations; ALR/ALM = the
Paid Annual Leave Regulations and their Implementing Measures; SPC-I = SPC interpretation (一).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

import app.modules.settlement.models  # noqa: F401  (tables for create_all; see the fixture below)
from app.engine.models import AuditEvent
from app.law import TerminationType as T
from app.modules.cases.models import CaseAttachment
from app.modules.cases.operations import fire_case_event, open_case
from app.modules.employees.models import WageRecord
from app.modules.settlement.models import SettlementLine, SettlementSheet
from app.modules.settlement.operations import compute_settlement
from app.modules.settlement.termination import termination_type
from tests.conftest import csrf_from

pytestmark = pytest.mark.usefixtures("shipped_workflows")


def months(first: date, count: int):
    for n in range(count):
        yield date(first.year + (first.month - 1 + n) // 12, (first.month - 1 + n) % 12 + 1, 1)


def wages(session, employee, first: date, count: int, amount: str) -> None:
    session.add_all(WageRecord(employee_id=employee.id, month=m, amount=Decimal(amount))
                    for m in months(first, count))
    session.flush()


def leaver_with(people, session, *, hired: date, wage: str, history_from: date | None = None,
                history_months: int = 0):
    people.leaver.hire_date = hired
    people.leaver.monthly_wage = Decimal(wage)
    if history_months:
        wages(session, people.leaver, history_from or hired, history_months, wage)
    return people.leaver


def start(people, workflow: str, last_day: date, **fields):
    case = open_case(people.leaver, workflow, people.hr_user, requested_last_day=last_day, **fields)
    from app.db import db

    db.session.flush()
    return case


def fire(case, event: str, user, **payload):
    result = fire_case_event(case, event, user, None, payload)
    assert result.ok, result.refusal
    return result


def line(sheet: SettlementSheet, code: str) -> SettlementLine:
    return sheet.line(code)


def codes(sheet_line: SettlementLine) -> list[str]:
    return [n["code"] for n in sheet_line.explanation]


# ------------------------------------------------------------ the termination type (Art 36-44)

@pytest.mark.parametrize("workflow, data, facts, expected", [
    ("voluntary_resignation", {}, {}, T.RESIGNATION),  # Art 37
    ("probation_resignation", {}, {}, T.RESIGNATION),  # Art 37
    ("mutual_agreement", {"proposed_by": "employer"}, {}, T.MUTUAL_EMPLOYER_PROPOSED),  # Art 36, 46(2)
    ("mutual_agreement", {}, {"proposed_by": "employee"}, T.MUTUAL_EMPLOYEE_PROPOSED),
    ("mutual_agreement", {"proposed_by": "employee"}, {"proposed_by": "employer"},
     T.MUTUAL_EMPLOYEE_PROPOSED),  # who actually proposed beats the filing form
    ("mutual_agreement", {}, {}, None),
    ("dismissal", {"basis": "art39"}, {}, T.DISMISSAL_FOR_CAUSE),  # Art 39
    ("dismissal", {"basis": "art40"}, {}, T.DISMISSAL_NO_FAULT),  # Art 40
    ("dismissal", {}, {}, None),
    ("contract_expiry", {"declined_by": "employee", "offer_terms": "equal_or_better"}, {},
     T.EXPIRY_RENEWAL_REFUSED),  # Art 46(5)
    ("contract_expiry", {"declined_by": "employee", "offer_terms": "lower"}, {}, T.EXPIRY),
    ("contract_expiry", {"declined_by": "employer"}, {}, T.EXPIRY),
    ("contract_expiry", {"renewal_answer": "employee_declined"}, {}, T.EXPIRY_RENEWAL_REFUSED),
    ("contract_expiry", {"renewal_answer": "offered_worse_terms"}, {}, T.EXPIRY),
    ("contract_expiry", {}, {}, None),
    ("retirement", {}, {}, T.RETIREMENT),  # Art 44(2)
    ("something_else", {}, {}, None),
])
def test_termination_type_of_each_case(workflow, data, facts, expected):
    assert termination_type(workflow, data, facts) == expected


@pytest.mark.parametrize("last_day, window", [
    (date(2025, 3, 14), (date(2024, 3, 1), date(2025, 2, 1))),  # a part month is left out
    (date(2025, 3, 31), (date(2024, 4, 1), date(2025, 3, 1))),  # a full last month counts
    (date(2024, 2, 29), (date(2023, 3, 1), date(2024, 2, 1))),
])
def test_twelve_month_window_before_the_end(last_day, window):
    from app.modules.settlement.inputs import wage_window

    assert wage_window(last_day) == window  # LCL Art 47 para 3


# ------------------------------------------------------------ compensation through real cases

def test_mutual_agreement_proposed_by_employer_13_months_at_10000_is_15000(people, session):
    # DOMAIN.md example; LCL Art 36, 46(2), 47: 13 months -> 1.5 months' wage.
    leaver_with(people, session, hired=date(2024, 1, 1), wage="10000", history_months=13)
    case = start(people, "mutual_agreement", date(2025, 1, 31), facts={"proposed_by": "employer"})
    fire(case, "propose", people.hr_user, agreed_last_day=date(2025, 1, 31))
    sheet = compute_settlement(case)
    assert line(sheet, "compensation").amount == Decimal("15000.00")
    assert codes(line(sheet, "compensation")) == [
        "basis_mutual_employer_proposed", "wage_average", "comp_service", "figure_unverified",
        "comp_amount"]
    assert line(sheet, "pay_in_lieu").amount == 0
    assert line(sheet, "final_wage").amount == Decimal("10000.00")  # a full January worked
    assert sheet.total == Decimal("25000.00")


def test_mutual_agreement_proposed_by_employee_owes_no_compensation(people, session):
    leaver_with(people, session, hired=date(2024, 1, 1), wage="10000")
    case = start(people, "mutual_agreement", date(2025, 1, 31), facts={"proposed_by": "employee"})
    fire(case, "propose", people.leaver_user, agreed_last_day=date(2025, 1, 31))  # Art 36/46(2)
    compensation = line(compute_settlement(case), "compensation")
    assert compensation.amount == 0 and codes(compensation) == ["basis_mutual_employee_proposed"]


def test_dismissal_for_cause_owes_nothing(people, session):
    leaver_with(people, session, hired=date(2020, 1, 1), wage="10000")
    case = start(people, "dismissal", date(2025, 3, 14))
    session.add(CaseAttachment(case_id=case.id, kind="evidence", filename="warning.pdf",
                               mime="application/pdf", size=10, sha256="0" * 64))
    fire(case, "file_with_cause", people.hr_user, ground="misconduct", comment="严重违纪")
    sheet = compute_settlement(case)
    assert line(sheet, "compensation").amount == 0  # LCL Art 39, not in Art 46
    assert codes(line(sheet, "compensation")) == ["basis_dismissal_for_cause"]
    assert line(sheet, "pay_in_lieu").amount == 0


def test_dismissal_without_fault_with_pay_in_lieu(people, session):
    # LCL Art 40 + 46(3): compensation; Reg Art 20: one month at the previous month's wage.
    leaver_with(people, session, hired=date(2022, 9, 1), wage="9000", history_from=date(2024, 3, 1),
                history_months=11)
    session.add(WageRecord(employee_id=people.leaver.id, month=date(2025, 2, 1), amount=Decimal("9600")))
    case = start(people, "dismissal", date(2025, 3, 14))
    fire(case, "file_without_fault", people.hr_user, ground="redundancy", notice_mode="pay_in_lieu")
    fire(case, "record_union_reply", people.hr_user, union_notified_on="2025-03-01", comment="工会无异议")
    fire(case, "issue_notice", people.hr_admin_user, agreed_last_day=date(2025, 3, 14))
    assert case.instance.data["pay_in_lieu"] is True
    sheet = compute_settlement(case)
    # 2022-09-01..2025-03-14 = 2y6m14d -> 3 months (6 months or more count as a year);
    # the part month March is left out: 2024-03..2025-02 = (11 x 9000 + 9600) / 12 = 9050
    assert line(sheet, "compensation").amount == Decimal("27150.00")
    assert line(sheet, "pay_in_lieu").amount == Decimal("9600.00")
    assert "2025-02" in line(sheet, "pay_in_lieu").explanation[0]["params"]["month"]


def test_dismissal_without_fault_with_notice_owes_no_pay_in_lieu(people, session):
    leaver_with(people, session, hired=date(2022, 9, 1), wage="9000")
    case = start(people, "dismissal", date(2025, 4, 30))
    fire(case, "file_without_fault", people.hr_user, ground="redundancy", notice_mode="notice")
    sheet = compute_settlement(case)
    assert line(sheet, "pay_in_lieu").amount == 0 and codes(line(sheet, "pay_in_lieu")) == ["pil_notice_given"]
    assert line(sheet, "compensation").amount > 0


def test_contract_expiry_declined_by_employee_on_equal_terms_owes_nothing(people, session):
    leaver_with(people, session, hired=date(2022, 7, 1), wage="8000")
    case = start(people, "contract_expiry", date(2025, 6, 30))
    fire(case, "offer_renewal", people.hr_user, offer_terms="equal_or_better")
    fire(case, "decline_renewal", people.leaver_user)
    compensation = line(compute_settlement(case), "compensation")
    assert compensation.amount == 0  # LCL Art 44(1), 46(5)
    assert codes(compensation) == ["basis_expiry_renewal_refused"]


def test_contract_expiry_not_renewed_by_employer_owes_compensation(people, session):
    leaver_with(people, session, hired=date(2022, 7, 1), wage="8000")
    case = start(people, "contract_expiry", date(2025, 6, 30))
    fire(case, "not_renew", people.hr_user, comment="岗位调整")
    compensation = line(compute_settlement(case), "compensation")
    assert compensation.amount == Decimal("24000.00")  # 3 years x 8000 (Art 46(5), 47)


def test_expiry_with_worse_terms_declined_still_owes(people, session):
    leaver_with(people, session, hired=date(2022, 7, 1), wage="8000")
    case = start(people, "contract_expiry", date(2025, 6, 30))
    fire(case, "offer_renewal", people.hr_user, offer_terms="lower")
    fire(case, "decline_renewal", people.leaver_user)
    assert line(compute_settlement(case), "compensation").amount == Decimal("24000.00")


def test_retirement_owes_no_compensation(people, session):
    leaver_with(people, session, hired=date(2000, 1, 1), wage="8000")
    case = start(people, "retirement", date(2025, 6, 30))
    fire(case, "confirm_pension", people.hr_user, agreed_last_day=date(2025, 6, 30),
         pension_reference="NM-2025-001")
    compensation = line(compute_settlement(case), "compensation")
    assert compensation.amount == 0 and codes(compensation) == ["basis_retirement"]  # Art 44(2)


def test_undecided_case_explains_that_compensation_waits(people, session):
    leaver_with(people, session, hired=date(2022, 7, 1), wage="8000")
    case = start(people, "dismissal", date(2025, 6, 30))
    compensation = line(compute_settlement(case), "compensation")
    assert compensation.amount == 0 and codes(compensation) == ["basis_pending"]


def test_wage_above_3x_city_average_is_capped_with_12_years(people, session):
    # LCL Art 47 para 2: Hohhot's 2024 average 9,500 -> base 28,500 and at most 12 years.
    leaver_with(people, session, hired=date(2010, 1, 1), wage="40000")
    case = start(people, "mutual_agreement", date(2025, 6, 30), facts={"proposed_by": "employer"})
    fire(case, "propose", people.hr_user, agreed_last_day=date(2025, 6, 30))
    compensation = line(compute_settlement(case), "compensation")
    assert compensation.amount == Decimal("342000.00")  # 12 x 28,500, not 15.5 x 40,000
    assert {"comp_cap", "comp_cap_years", "wage_contract"} <= set(codes(compensation))


def test_cap_applies_without_the_year_limit_below_12_years(people, session):
    leaver_with(people, session, hired=date(2024, 1, 1), wage="40000")
    case = start(people, "mutual_agreement", date(2025, 1, 31), facts={"proposed_by": "employer"})
    fire(case, "propose", people.hr_user, agreed_last_day=date(2025, 1, 31))
    assert line(compute_settlement(case), "compensation").amount == Decimal("42750.00")  # 1.5 x 28,500


def test_average_wage_not_below_the_local_minimum(people, session):
    leaver_with(people, session, hired=date(2024, 7, 1), wage="2000", history_months=12)
    case = start(people, "mutual_agreement", date(2025, 6, 30), facts={"proposed_by": "employer"})
    fire(case, "propose", people.hr_user, agreed_last_day=date(2025, 6, 30))
    compensation = line(compute_settlement(case), "compensation")
    assert compensation.amount == Decimal("2270.00")  # Reg Art 27: Hohhot minimum 2,270 x 1 year
    assert "wage_minimum" in codes(compensation)


def test_missing_city_average_says_the_cap_was_not_checked(people, session):
    leaver_with(people, session, hired=date(2024, 1, 1), wage="10000")
    case = start(people, "mutual_agreement", date(2026, 1, 30), facts={"proposed_by": "employer"})
    fire(case, "propose", people.hr_user, agreed_last_day=date(2026, 1, 30))
    compensation = line(compute_settlement(case), "compensation")
    assert "comp_no_average" in codes(compensation)  # no 2025 figure configured
    assert compensation.amount == Decimal("25000.00")  # 2y1m -> 2.5 months


# ------------------------------------------------------------ final wage and the web pages

def test_final_wage_counts_working_days_on_the_holiday_calendar(people, session):
    # October 2025: 1-8 off (National Day), Sat 11 a make-up workday -> 9, 10, 11, 13, 14, 15.
    leaver_with(people, session, hired=date(2020, 1, 1), wage="10000")
    case = start(people, "voluntary_resignation", date(2025, 10, 15))
    final = line(compute_settlement(case), "final_wage")
    assert final.explanation[0]["params"]["days"] == "6"
    assert final.amount == Decimal("2758.62")  # 10,000 / 21.75 x 6
    assert line(compute_settlement(case), "compensation").amount == 0  # Art 37


def sheet_page(client, case):
    return client.get(f"/cases/{case.id}/settlement")


def compute(client, case):
    """HR presses "compute and save the sheet" (a POST: the sheet's page writes nothing)."""
    import re

    page = sheet_page(client, case).get_data(as_text=True)
    form = re.search(r'<form[^>]*data-test="compute-form".*?</form>', page, re.S)
    if form:
        response = client.post(f"/cases/{case.id}/settlement/compute",
                               data={"csrf_token": csrf_from(form.group(0))})
        assert response.status_code == 302


def post_override(client, case, code: str, **fields):
    compute(client, case)
    page = sheet_page(client, case).get_data(as_text=True)
    import re

    form = re.search(rf'<form[^>]*data-override="{code}".*?</form>', page, re.S).group(0)
    version = re.search(r'name="[\w-]*version"[^>]*value="(\d+)"', form).group(1)
    data = {f"{code}-csrf_token": csrf_from(form), f"{code}-version": version}
    data.update({f"{code}-{k}": v for k, v in fields.items()})
    return client.post(f"/cases/{case.id}/settlement/lines/{code}", data=data)


def post_facts(client, case, **fields):
    page = sheet_page(client, case).get_data(as_text=True)
    import re

    version = re.search(r'name="version"[^>]*value="(\d*)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "version": version, **fields}
    return client.post(f"/cases/{case.id}/settlement/facts", data=data)


@pytest.fixture
def employer_agreement(people, session):
    leaver_with(people, session, hired=date(2024, 1, 1), wage="10000", history_months=13)
    case = start(people, "mutual_agreement", date(2025, 1, 31), facts={"proposed_by": "employer"})
    fire(case, "propose", people.hr_user, agreed_last_day=date(2025, 1, 31))
    return case


def test_hr_sees_the_sheet_in_chinese_with_articles(client, login, employer_agreement):
    login("hr")
    page = sheet_page(client, employer_agreement).get_data(as_text=True)
    assert "经济补偿" in page and "15,000.00" in page and "第四十七条" in page
    assert "25,000.00" in page  # total


def test_sheet_reads_in_english(client, login, people, employer_agreement, session):
    people.hr_user.locale = "en"
    login("hr")
    page = sheet_page(client, employer_agreement).get_data(as_text=True)
    assert "Economic compensation" in page
    assert "Mutual agreement proposed by the employer: economic compensation is owed " \
           "(LCL Art 36, Art 46(2))." in page


def test_leave_payout_from_the_facts_hr_enters(client, login, people, session):
    # ALR Art 3: 12 years -> 10 days; ALM Art 12: 181/365 x 10 - 1 = 3.96 -> 3 days;
    # ALM Art 10-11: 10,000 / 21.75 = 459.77 x 200% x 3 = 2,758.62.
    leaver_with(people, session, hired=date(2020, 1, 1), wage="10000", history_from=date(2024, 7, 1),
                history_months=12)
    case = start(people, "voluntary_resignation", date(2025, 6, 30))
    login("hr")
    assert post_facts(client, case, leave_days_taken="1", cumulative_work_years="12").status_code == 302
    sheet = session.scalars(select(SettlementSheet)).one()
    assert sheet.leave_days_taken == Decimal("1.0") and sheet.cumulative_work_years == Decimal("12.0")
    assert line(sheet, "leave_payout").amount == Decimal("2758.62")
    assert line(sheet, "final_wage").amount == Decimal("10000.00")


def test_facts_form_refuses_bad_input_and_keeps_what_was_there(client, login, people, session):
    leaver_with(people, session, hired=date(2020, 1, 1), wage="10000")
    case = start(people, "voluntary_resignation", date(2025, 6, 30))
    login("hr")
    response = post_facts(client, case, leave_days_taken="1", cumulative_work_years="12",
                          non_compete_agreed="y")
    assert response.status_code == 400
    assert "竞业限制" in response.get_data(as_text=True)  # enter the months
    assert session.scalars(select(SettlementSheet)).first() is None  # nothing saved, not even a sheet


def test_non_compete_default_30_percent_for_the_agreed_months(client, login, people, session):
    # SPC-I Art 36: 30% of the 12-month average (10,000) = 3,000 >= minimum; x 12 months.
    leaver_with(people, session, hired=date(2020, 1, 1), wage="10000", history_from=date(2024, 7, 1),
                history_months=12)
    case = start(people, "voluntary_resignation", date(2025, 6, 30))
    login("hr")
    post_facts(client, case, non_compete_agreed="y", non_compete_months="12")
    sheet = session.scalars(select(SettlementSheet)).one()
    assert line(sheet, "non_compete").amount == Decimal("36000.00")
    assert line(sheet, "non_compete").explanation[0]["params"]["monthly"] == "3,000.00"


def test_override_needs_a_reason_and_is_audited(client, login, people, employer_agreement, session):
    login("hr")
    response = post_override(client, employer_agreement, "compensation", amount="16000", reason="  ")
    assert response.status_code == 400
    assert "请说明修改原因" in response.get_data(as_text=True)
    compensation = session.scalars(select(SettlementLine).where(SettlementLine.code == "compensation")).one()
    assert compensation.override_amount is None
    assert not session.scalars(select(AuditEvent).where(AuditEvent.event == "settlement.override")).all()

    response = post_override(client, employer_agreement, "compensation", amount="16000",
                             reason="协议约定多付半个月")
    assert response.status_code == 302
    assert compensation.override_amount == Decimal("16000.00")
    assert compensation.overridden_by_id == people.hr_user.id
    event = session.scalars(select(AuditEvent).where(AuditEvent.event == "settlement.override")).one()
    assert event.subject == f"case:{employer_agreement.id}"
    assert event.actor_user_id == people.hr_user.id
    assert event.payload["reason"] == "协议约定多付半个月"
    assert event.payload["computed"] == "15000.00" and event.payload["override"] == "16000.00"
    page = sheet_page(client, employer_agreement).get_data(as_text=True)
    assert "16,000.00" in page and "26,000.00" in page and "协议约定多付半个月" in page


def test_override_can_be_undone_with_a_reason(client, login, employer_agreement, session):
    login("hr")
    post_override(client, employer_agreement, "compensation", amount="16000", reason="协议")
    assert post_override(client, employer_agreement, "compensation", amount="",
                         reason="按法定标准").status_code == 302
    sheet = session.scalars(select(SettlementSheet)).one()
    assert line(sheet, "compensation").override_amount is None and sheet.total == Decimal("25000.00")
    assert len(session.scalars(select(AuditEvent).where(AuditEvent.event == "settlement.override")).all()) == 2


def test_recompute_keeps_overrides(client, login, people, employer_agreement, session):
    login("hr")
    post_override(client, employer_agreement, "final_wage", amount="9000", reason="扣除事假一天")
    employer_agreement.agreed_last_day = date(2025, 7, 31)  # the facts change: 19 months now
    post_facts(client, employer_agreement, leave_days_taken="0", cumulative_work_years="3")
    sheet = session.scalars(select(SettlementSheet)).one()
    assert line(sheet, "compensation").amount == Decimal("20000.00")  # 1y7m -> 2 months
    assert line(sheet, "final_wage").amount == Decimal("10000.00")  # computed, shown under the override
    assert line(sheet, "final_wage").override_amount == Decimal("9000.00")
    assert line(sheet, "final_wage").override_reason == "扣除事假一天"


def test_stale_override_is_a_409(client, login, employer_agreement, session):
    login("hr")
    compute(client, employer_agreement)
    page = sheet_page(client, employer_agreement).get_data(as_text=True)
    import re

    form = re.search(r'<form[^>]*data-override="compensation".*?</form>', page, re.S).group(0)
    stale = {"compensation-csrf_token": csrf_from(form), "compensation-amount": "1",
             "compensation-reason": "x", "compensation-version": "1"}
    post_override(client, employer_agreement, "final_wage", amount="9000", reason="先改一项")
    response = client.post(f"/cases/{employer_agreement.id}/settlement/lines/compensation", data=stale)
    assert response.status_code == 409
    assert line(session.scalars(select(SettlementSheet)).one(), "compensation").override_amount is None


def test_employee_sees_the_sheet_but_cannot_change_it(client, login, employer_agreement, session):
    from app.modules.settlement.operations import prepare_settlement

    prepare_settlement(employer_agreement)
    login("leaver")
    response = sheet_page(client, employer_agreement)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "15,000.00" in page and "第三十六条" in page
    assert "data-override" not in page and "data-test=\"facts-form\"" not in page
    token = csrf_from(page)
    response = client.post(f"/cases/{employer_agreement.id}/settlement/lines/compensation",
                           data={"compensation-csrf_token": token, "compensation-amount": "99999",
                                 "compensation-reason": "我想要更多"})
    assert response.status_code == 403
    assert client.post(f"/cases/{employer_agreement.id}/settlement/facts",
                       data={"csrf_token": token}).status_code == 403
    assert line(session.scalars(select(SettlementSheet)).one(), "compensation").override_amount is None


def test_auditor_reads_but_cannot_change(client, login, make_user, employer_agreement):
    make_user("audit", roles=("auditor",))
    login("audit")
    page = sheet_page(client, employer_agreement)
    assert page.status_code == 200
    assert client.post(f"/cases/{employer_agreement.id}/settlement/facts",
                       data={"csrf_token": csrf_from(page.get_data(as_text=True))}).status_code == 403


@pytest.mark.parametrize("username", ["successor", "boss"])
def test_other_employees_and_the_supervisor_get_404(client, login, employer_agreement, username):
    login(username)
    assert sheet_page(client, employer_agreement).status_code == 404
    assert client.get("/cases/999999/settlement").status_code == 404


def test_anonymous_is_sent_to_login(client, employer_agreement):
    assert sheet_page(client, employer_agreement).status_code == 302


def test_summary_for_the_case_page(app, people, employer_agreement):
    from flask import render_template

    from app.modules.settlement.views import settlement_summary

    assert settlement_summary(employer_agreement, people.boss_user) is None
    summary = settlement_summary(employer_agreement, people.hr_user)
    assert summary["total"] == Decimal("25000.00")
    assert summary["url"].endswith(f"/cases/{employer_agreement.id}/settlement")
    with app.test_request_context():
        from flask_login import login_user

        login_user(people.leaver_user)
        html = render_template("settlement/_summary.html", case=employer_agreement)
    assert "25,000.00" in html and "settlement-summary" in html



def test_lines_for_the_settlement_statement_pdf(client, login, employer_agreement):
    from app.modules.settlement.operations import settlement_for_document

    login("hr")
    post_override(client, employer_agreement, "final_wage", amount="9000", reason="扣除事假一天")
    zh = settlement_for_document(employer_agreement, "zh_CN")["lines"]
    assert [line["amount"] for line in zh] == ["15000.00", "0.00", "0.00", "9000.00", "0.00"]
    assert zh[0]["label"] == "经济补偿" and "第四十七条" in zh[0]["basis"]
    assert "扣除事假一天" in zh[3]["basis"]
    en = settlement_for_document(employer_agreement, "en")["lines"]
    assert en[0]["label"] == "Economic compensation" and "LCL Art 47 para 1" in en[0]["basis"]
