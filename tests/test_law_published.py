"""app.law checked against published worked examples.

Every test names its source: the URL (and title, where the page gives one) as the
search index returned it, and the numbers of the passage the test relies on. Inputs
the page leaves open (exact start dates when only "15 years" is given) are chosen so
the service length is exactly what the page states. Where a page gives a rule but no
result, the test says so and checks only what the page does state.
Pure functions only: no database, no app.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from app.law import (
    ChinaCalendar,
    annual_leave_entitlement,
    annual_leave_payout,
    economic_compensation,
    non_compete_monthly,
    pay_in_lieu_of_notice,
    statutory_deadline,
)

CN = ChinaCalendar()


def _comp(wage: str, start: date, end: date, average: D):
    return economic_compensation(monthly_wage=D(wage), start=start, end=end,
                                 local_average_wage=average)


# --- LCL Art 47: economic compensation ------------------------------------------------

def test_cap_three_times_average_and_twelve_years():
    """Source: http://www.bz.sh.cn/bz/14284.html (no title in the index; a Q&A on the
    Art 47 para 2 limits). "上年度职工月平均工资为 8000 元 ... 三倍就是 24,000 元 ... 月平均工资
    是 30,000 元 ... 工作了 15 年 ... 正常计算 ... 450,000 元 ... 最终补偿金: 24,000 元/月 * 12 个月
    = 288,000 元".
    """
    result = _comp("30000", date(2010, 1, 1), date(2024, 12, 31), D("8000"))  # exactly 15 years
    assert result.service.months == 15 * 12
    assert result.capped and result.years_capped
    assert result.base_wage == D("24000.00")
    assert result.months == 12
    assert result.amount == D("288000.00")  # not the uncapped 450,000


def test_below_the_cap_has_no_twelve_year_limit():
    """Source: https://www.fudaoke.com/exam/3131115.html (no title in the index).
    "若月薪6800元(低于某地3倍标准24059元),工作12年零9个月应获13个月工资补偿" and
    "工作20年且月薪未达3倍标准,可获20个月工资补偿".
    """
    average = D("24059") / 3  # the page gives the 3x figure, 24,059
    months_12y9m = _comp("6800", date(2012, 1, 1), date(2024, 9, 30), average)
    assert str(months_12y9m.service) == "12y 9m 0d"
    assert not months_12y9m.capped and not months_12y9m.years_capped
    assert months_12y9m.months == 13
    twenty_years = _comp("6800", date(2005, 1, 1), date(2024, 12, 31), average)
    assert twenty_years.months == 20 and not twenty_years.years_capped


@pytest.mark.parametrize(
    ("end", "service", "months"),
    [
        (date(2024, 2, 29), "9y 2m 0d", "9.5"),  # "9 years and 2 months ... 9.5 months' wage"
        (date(2024, 6, 30), "9y 6m 0d", "10"),  # "9 years and 6 months or 7 months ... 10 years"
        (date(2024, 7, 31), "9y 7m 0d", "10"),
    ],
)
def test_half_month_rule_and_six_month_rounding(end, service, months):
    """Source: http://www.royalaw.com/en/130-what-are-the-considerations-for-calculating-
    economic-compensation-and-punitive-damages/ , "130.What are the considerations for
    calculating economic compensation and punitive damages?": "Mr. Zhang worked for 9 years
    and 2 months ... he should get 9.5 months' wage. If Mr. Zhang worked for 9 years and 6
    months or 7 months, Mr. Zhang's length of service should be rounded up to 10 years."
    """
    result = _comp("9000", date(2015, 1, 1), end, D("10000"))
    assert str(result.service) == service
    assert result.months == D(months)


def test_plain_case_and_pay_in_lieu_of_notice():
    """Source: http://royalaw.com/en/?p=1291 (no title in the index). "Mr. Zhang has worked
    for his employer for nine years and two months ... average wages from the 12 months before
    the termination is RMB 9,000. Then the economic compensation he should receive ... is RMB
    85,500 (9.5 months * 9,000 RMB/month) ... The employer may pay RMB 9,000, one month of
    wages, as payment in lieu for the one-months notice" (Art 40, "N + 1").
    """
    result = _comp("9000", date(2015, 1, 1), date(2024, 2, 29), D("10000"))
    assert not result.capped
    assert result.months == D("9.5")
    assert result.amount == D("85500.00")
    assert pay_in_lieu_of_notice(D("9000")) == D("9000.00")


# --- SPC-I Art 36: non-compete default ----------------------------------------------------

def test_non_compete_minimum_wage_floor():
    """Source: https://www.lawparks.com/ask/minimum-standard-of-non-compete-compensation ,
    "竞业限制补偿金的最低标准是多少?": "某地最低工资标准是每月2000元,劳动者离职前十二个月平均工资是
    5000元,按照30%计算是1500元,低于当地最低工资标准,此时用人单位就应按照每月2000元的标准支付".
    """
    assert non_compete_monthly(average_monthly_wage_12m=D("5000"),
                               local_minimum_wage=D("2000")) == D("2000.00")


def test_non_compete_thirty_percent_shanghai_court_case():
    """Sources, the same Shanghai No. 2 Intermediate Court case (苏某某):
    https://www.10100.com/article/72536874 , "竞业限制经济补偿标准争议案": "工资为45,000元/月 ...
    按照上海市最低工资标准(2590元/月) ... 该标准仅为苏某离职前正常工资的5.8% ... 苏某主张某科技公司
    按照其离职前正常工资标准的30%支付竞业限制补偿金,应予支持";
    https://app.bjtitle.com/8816/newshow.php?did=14ff9bc5575d4614b2634f38dc8c8f2f&newsid=6508771&typeid=13 :
    the company paid 2590 a month; award: "应支付苏某某2021年8月至2022年6月竞业限制经济补偿差额12万余元".
    """
    monthly = non_compete_monthly(average_monthly_wage_12m=D("45000"), local_minimum_wage=D("2590"))
    assert monthly == D("13500.00")
    months_aug_2021_to_jun_2022 = 11
    shortfall = (monthly - D("2590")) * months_aug_2021_to_jun_2022
    assert D("120000") <= shortfall < D("130000")  # "12万余元"


# --- Annual leave: ALR Art 3, ALM Art 10-12 -------------------------------------------------

def test_annual_leave_prorata_drops_part_days():
    """Source: http://m.gansulong.com/c/0F12D0422022.html , "南京离职时未休满年假的怎么办":
    "刘某 ... 每年可享受5天的年休假 ... 解除劳动合同时刘某在单位工作了200天,公司当年度已安排休1天 ...
    (200÷365)×5-1≈1.74天,因0.74天不足1整天,所以刘某折算后的年休假为一天".
    The page gives no wage; the 200 days are laid out from 1 January of a 365-day year.
    """
    last_day = date(2025, 1, 1) + timedelta(days=199)
    payout = annual_leave_payout(year_start=date(2025, 1, 1), last_day=last_day, days_taken=1,
                                 monthly_wage=D("5000"), annual_days_entitlement=5)
    assert payout.days_worked == 200
    assert payout.days == 1


def test_annual_leave_daily_wage_21_75_and_extra_200_percent():
    """Sources:
    https://rst.sc.gov.cn/rst/zmhdcjwtzskldgx/2025/5/19/cc93b6e91ea040129fc50e9f491b3126.shtml ,
    "未休年休假工资报酬的日工资怎么计算?" (Sichuan HRSS): "按职工本人月工资除以月计薪天数(21.75天)
    进行折算";
    https://english.shanghai.gov.cn/en-wisEditor'spick/20240920/d5dc3af606b543bdacf68c53b9d306f5.html ,
    "Five key points about annual leave": "300 percent of the daily wage ... (this includes the
    regular wage) ... an additional 200 percent";
    http://www.hshfy.sh.cn/shfy/English/view.jsp?pa=aaWQ9MjAxNzcwODUmeGg9MSZsbWRtPUVOXzAyz ,
    "How to Calculate the Compensation for Untaken Annual Leave When Leaving Office?": Mr. Zhao,
    "monthly salary of 12,000 yuan ... totaling 10 days ... converted salary of more than
    11,000 yuan"; he "has worked for more than 10 years but less than 20 years ... 10 days".
    The page shows Zhao's claim, not the award: 10 days at 200% of 12,000/21.75 is just over
    11,000, while 300% would be over 16,000.
    """
    assert annual_leave_entitlement(D("15")) == 10  # 10 to < 20 years of work
    payout = annual_leave_payout(year_start=date(2019, 1, 1), last_day=date(2019, 12, 31),
                                 days_taken=0, monthly_wage=D("12000"), annual_days_entitlement=10)
    assert payout.days == 10
    assert payout.daily_wage == D("551.72")  # 12,000 / 21.75
    assert D("11000") < payout.amount_extra < D("12000")
    assert payout.amount_total > D("16000")  # the 300% total includes the wage already paid


# --- Civil Code Art 201-203 with the State Council holiday notices ----------------------

# Source: https://m.gmw.cn/2024-11/12/content_1303894933.htm ,
# "国务院办公厅关于2025年部分节假日安排的通知" (国办发明电〔2024〕12号), items 一 to 六.
NOTICE_2025 = {
    "off": [(date(2025, 1, 1), date(2025, 1, 1)), (date(2025, 1, 28), date(2025, 2, 4)),
            (date(2025, 4, 4), date(2025, 4, 6)), (date(2025, 5, 1), date(2025, 5, 5)),
            (date(2025, 5, 31), date(2025, 6, 2)), (date(2025, 10, 1), date(2025, 10, 8))],
    "work": [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28),
             date(2025, 10, 11)],
}
# Source: https://politics.gmw.cn/2025-11/04/content_38391083.htm ,
# "国务院办公厅关于2026年部分节假日安排的通知", items 一 to 七.
NOTICE_2026 = {
    "off": [(date(2026, 1, 1), date(2026, 1, 3)), (date(2026, 2, 15), date(2026, 2, 23)),
            (date(2026, 4, 4), date(2026, 4, 6)), (date(2026, 5, 1), date(2026, 5, 5)),
            (date(2026, 6, 19), date(2026, 6, 21)), (date(2026, 9, 25), date(2026, 9, 27)),
            (date(2026, 10, 1), date(2026, 10, 7))],
    "work": [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
             date(2026, 9, 20), date(2026, 10, 10)],
}


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@pytest.mark.parametrize("notice", [NOTICE_2025, NOTICE_2026], ids=["2025", "2026"])
def test_calendar_matches_the_state_council_notice(notice):
    """Every day the notice gives off is a rest day; every "上班" day is a working day."""
    off = [d for first, last in notice["off"] for d in _days(first, last)]
    assert [d for d in off if CN.is_workday(d)] == []
    assert [d for d in notice["work"] if not CN.is_workday(d)] == []


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # 2025 notice: 10-01..10-08 off -> nominal 10-01 moves to Thursday 10-09 (DOMAIN.md)
        (date(2025, 9, 1), 30, date(2025, 10, 9)),
        # 2025 notice: Saturday 10-11 and Sunday 09-28 are "上班" days, so deadlines stay
        (date(2025, 9, 26), 15, date(2025, 10, 11)),
        (date(2025, 9, 13), 15, date(2025, 9, 28)),
        # 2026 notice: 02-15..02-23 off -> nominal 02-16 moves to Tuesday 02-24
        (date(2026, 2, 1), 15, date(2026, 2, 24)),
        # 2026 notice: Saturday 02-14 is a "上班" day
        (date(2026, 1, 30), 15, date(2026, 2, 14)),
        # across the year end: Sunday 2026-01-04 is a "上班" day after 01-01..01-03
        (date(2025, 12, 20), 15, date(2026, 1, 4)),
        # 2026 notice: 10-01..10-07 off -> nominal 10-05 moves to Thursday 10-08
        (date(2026, 9, 20), 15, date(2026, 10, 8)),
    ],
)
def test_deadlines_across_notice_holidays_and_make_up_days(start, days, expected):
    """Civil Code Art 201, 203 as quoted at http://m.cqxianglaokan.com/book-read/44618317/31 :
    "开始的当日不计入,自下一日开始计算" and "期间的最后一日是法定休假日的,以法定休假日结束的
    次日为期间的最后一日"; holiday facts from the two notices above.
    """
    assert statutory_deadline(start, days) == expected


def test_fifteen_day_period_counts_from_the_next_day():
    """Source: https://wdqhxb.com/falv/202504/160984.html , "上诉期15天怎么计算": "你是在7月1日
    收到判决书,那么7月2日就算作第一天 ... 如果最后一天是节假日,可以顺延到节假日后的第一个工作日".
    In 2025, day 15 is Wednesday 07-16, a working day, so nothing moves.
    """
    assert statutory_deadline(date(2025, 7, 1), 1) == date(2025, 7, 2)
    assert statutory_deadline(date(2025, 7, 1), 15) == date(2025, 7, 16)
