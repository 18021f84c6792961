"""Tests for app.law: compensation (LCL Art 47), settlement, contracts, wage data.

Pure functions only: no database, no app, no conftest fixtures (tmp_path is pytest's own).
Worked examples not taken from DOMAIN.md are derived from the article text cited in
each test; no published source is claimed for them.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from app.law import (
    ART42,
    EmployeeStatus,
    MissingWageData,
    ServiceLength,
    TerminationType,
    WageTable,
    annual_leave_entitlement,
    annual_leave_payout,
    applicable_protections,
    average_monthly_wage,
    economic_compensation,
    non_compete_monthly,
    non_compete_release_extra,
    non_compete_term_ok,
    notice_days,
    pay_in_lieu_of_notice,
    probation_max_months,
    service_length,
    severance_owed,
    termination_rule,
)

AVG = D("10000")  # a local average monthly wage: the 3x cap is 30,000


def comp(wage: str, start: date, end: date, avg: D = AVG, doubled: bool = False):
    return economic_compensation(monthly_wage=D(wage), start=start, end=end,
                                 local_average_wage=avg, doubled=doubled)


# --- LCL Art 47 para 1: months of compensation -------------------------------------

@pytest.mark.parametrize(
    ("start", "end", "wage", "months", "amount"),
    [
        # DOMAIN.md examples
        (date(2020, 1, 1), date(2021, 1, 31), "10000", "1.5", "15000.00"),  # 13 months
        (date(2020, 1, 1), date(2023, 6, 30), "10000", "4", "40000.00"),  # 3y6m
        (date(2020, 1, 1), date(2022, 3, 31), "10000", "2.5", "25000.00"),  # 2y3m
        (date(2020, 1, 1), date(2023, 1, 31), "10000", "3.5", "35000.00"),  # 3y1m
        (date(2024, 1, 1), date(2024, 4, 30), "8000", "0.5", "4000.00"),  # 4 months
        (date(2024, 1, 1), date(2024, 6, 30), "8000", "1", "8000.00"),  # exactly 6 months
    ],
)
def test_art47_domain_examples(start, end, wage, months, amount):
    """DOMAIN.md Art 47 examples: 1 month per year, >= 6 months = 1, < 6 months = 0.5."""
    result = comp(wage, start, end)
    assert result.months == D(months)
    assert result.amount == D(amount)
    assert not result.capped and not result.years_capped


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2020, 1, 1), date(2020, 12, 31), "1"),  # exactly one year, both days inclusive
        (date(2020, 1, 15), date(2021, 1, 14), "1"),  # one year from mid-month
        (date(2020, 1, 1), date(2023, 2, 10), "3.5"),  # 3y 1m 10d: partial month -> half
        (date(2020, 1, 1), date(2020, 1, 1), "0.5"),  # one day: under 6 months
        (date(2024, 1, 1), date(2024, 6, 29), "0.5"),  # 5 months 29 days: still under 6
        (date(2020, 1, 1), date(2025, 1, 3), "5.5"),  # 5 years + 3 days -> half
        (date(2019, 3, 1), date(2021, 8, 31), "3"),  # 2y6m: "以上" includes 6 (CC Art 1259)
    ],
)
def test_art47_service_counting(start, end, months):
    """LCL Art 47 para 1 with inclusive dates; partial months count toward the remainder."""
    assert comp("10000", start, end).months == D(months)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2020, 1, 1), date(2020, 12, 31), ServiceLength(12, 0)),
        (date(2020, 1, 15), date(2021, 1, 14), ServiceLength(12, 0)),
        (date(2020, 1, 31), date(2020, 2, 28), ServiceLength(1, 0)),  # month-end (Art 202)
        (date(2020, 1, 31), date(2020, 2, 27), ServiceLength(0, 28)),
        (date(2020, 1, 1), date(2023, 2, 10), ServiceLength(37, 10)),
    ],
)
def test_service_length_counts_like_hr(start, end, expected):
    """Service in whole months + days, first and last day inclusive."""
    assert service_length(start, end) == expected


def test_service_length_rejects_end_before_start():
    """An end before the start is an input error, not zero service."""
    with pytest.raises(ValueError, match="before start"):
        service_length(date(2024, 2, 1), date(2024, 1, 31))


# --- LCL Art 47 para 2: 3x average cap and the 12-year limit -------------------------

def test_art47_cap_base_is_three_times_average():
    """Art 47 para 2: wage 40,000 > 3 x 10,000 -> base 30,000; 5 years -> 150,000."""
    result = comp("40000", date(2019, 1, 1), date(2023, 12, 31))
    assert (result.capped, result.years_capped) == (True, False)
    assert result.base_wage == D("30000.00")
    assert result.amount == D("150000.00")


def test_art47_cap_limits_years_to_twelve():
    """Art 47 para 2: capped wage and 15 years of service -> at most 12 months."""
    result = comp("40000", date(2009, 1, 1), date(2023, 12, 31))
    assert result.months == D(12) and result.years_capped
    assert result.amount == D("360000.00")


def test_art47_no_twelve_year_limit_below_cap():
    """Art 47 para 2 limits years only for capped wages: 20,000 < 30,000, 15 years -> 15."""
    result = comp("20000", date(2009, 1, 1), date(2023, 12, 31))
    assert result.months == D(15) and not result.capped and not result.years_capped
    assert result.amount == D("300000.00")


def test_art47_remainder_pushes_over_twelve_then_capped():
    """Derived from Art 47: 12y7m at a capped wage is 13 months, limited to 12."""
    result = comp("50000", date(2011, 1, 1), date(2023, 7, 31))
    assert result.months == D(12) and result.years_capped
    assert result.amount == D("360000.00")


def test_art47_exactly_three_times_is_not_capped():
    """Art 47 para 2 applies when the wage is *higher than* 3x: equal is not capped."""
    result = comp("30000", date(2009, 1, 1), date(2023, 12, 31))
    assert not result.capped and result.months == D(15)


def test_art48_87_doubled_instead_of_normal():
    """LCL Art 48/87, Reg Art 25: unlawful dismissal pays 2x, from the start of employment."""
    result = comp("10000", date(2020, 1, 1), date(2023, 1, 31), doubled=True)
    assert result.amount == D("70000.00") and result.doubled
    assert any("Art 87" in line for line in result.explanation)


def test_art87_doubled_with_cap():
    """Derived from Art 47 para 2 + Art 87: capped base 30,000 x 12 x 2 = 720,000."""
    result = comp("45000", date(2005, 3, 1), date(2024, 2, 29), avg=D("10000"), doubled=True)
    assert result.amount == D("720000.00")


def test_art47_rounds_to_cents_half_up():
    """Money is rounded to cents, half up: 0.5 x 8,333.33 = 4,166.665 -> 4,166.67."""
    assert comp("8333.33", date(2024, 1, 1), date(2024, 3, 31)).amount == D("4166.67")


def test_pre_2008_service_is_flagged():
    """LCL Art 97: service before 2008 has a transition rule; the result says so."""
    result = comp("10000", date(2006, 1, 1), date(2010, 12, 31))
    assert any("Art 97" in line for line in result.explanation)


@pytest.mark.parametrize(
    ("start", "end", "wage", "avg", "amount"),
    [
        # Derived from LCL Art 47 (no published source claimed):
        (date(2018, 7, 1), date(2024, 6, 30), "12000", "9000", "72000.00"),  # 6 years
        (date(2021, 3, 15), date(2024, 11, 20), "9500", "9000", "38000.00"),  # 3y8m6d -> 4
        (date(2022, 5, 1), date(2024, 7, 31), "6800", "9000", "17000.00"),  # 2y3m -> 2.5
        (date(2010, 6, 1), date(2024, 5, 31), "33000", "9000", "324000.00"),  # 27,000 x 12
        (date(2023, 9, 1), date(2023, 11, 30), "5000", "9000", "2500.00"),  # 3 months -> 0.5
    ],
)
def test_art47_derived_examples(start, end, wage, avg, amount):
    """Worked examples computed by hand from LCL Art 47 paras 1-2."""
    assert comp(wage, start, end, avg=D(avg)).amount == D(amount)


# --- LCL Art 47 para 3 / Reg Art 27: the monthly wage -------------------------------

def test_average_uses_last_twelve_months():
    """Art 47 para 3: the 12 months before the end; older months are ignored."""
    wages = [D("99999"), D("99999")] + [D("10000")] * 11 + [D("13000")]
    assert average_monthly_wage(wages, None) == D("10250.00")


def test_average_fewer_months_uses_months_worked():
    """Reg Art 27: under 12 months, average over the months actually worked."""
    assert average_monthly_wage([D("6000"), D("7000"), D("8000")]) == D("7000.00")


def test_average_not_below_minimum_wage():
    """Reg Art 27: an average below the local minimum wage is raised to it."""
    assert average_monthly_wage([D("1800")] * 12, D("2300")) == D("2300.00")


def test_average_requires_a_month():
    """No wage history is an error, not zero."""
    with pytest.raises(ValueError, match="at least one"):
        average_monthly_wage([])


# --- Reg Art 20: pay in lieu of notice ------------------------------------------------

def test_pay_in_lieu_is_last_month_wage():
    """Reg Art 20: the extra month's wage follows the previous month's wage."""
    assert pay_in_lieu_of_notice(D("12345.675")) == D("12345.68")


# --- Annual leave: ALR Art 3, 5; ALM Art 10-12 ---------------------------------------

@pytest.mark.parametrize(
    ("years", "days"),
    [(0, 0), (D("0.9"), 0), (1, 5), (D("9.99"), 5), (10, 10), (19, 10), (20, 15), (40, 15)],
)
def test_alr_art3_entitlement(years, days):
    """ALR Art 3: 1-10 years 5 days, 10-20 years 10 days, 20+ years 15 days ("已满" incl.)."""
    assert annual_leave_entitlement(years) == days


def test_alm_art12_prorata_rounded_down():
    """ALM Art 12: 181/365 x 10 - 1 = 3.96 -> 3 days; daily 10,000/21.75 = 459.77 (Art 11)."""
    payout = annual_leave_payout(year_start=date(2025, 1, 1), last_day=date(2025, 6, 30),
                                 days_taken=1, monthly_wage=D("10000"),
                                 cumulative_work_years=12)
    assert (payout.entitlement, payout.days_worked, payout.days) == (10, 181, 3)
    assert payout.daily_wage == D("459.77")
    assert payout.amount_extra == D("2758.62")  # ALM Art 10: 200% extra
    assert payout.amount_total == D("4137.93")  # 300% incl. the salary already paid
    assert len(payout.explanation) == 3


@pytest.mark.parametrize(
    ("year_start", "last_day", "entitlement", "taken", "days"),
    [
        (date(2025, 1, 1), date(2025, 12, 31), 5, 0, 5),  # full year
        (date(2024, 1, 1), date(2024, 12, 31), 5, 0, 5),  # leap year: 366 capped at 365
        (date(2025, 1, 1), date(2025, 3, 14), 5, 0, 1),  # 73/365 x 5 = exactly 1
        (date(2025, 1, 1), date(2025, 2, 15), 5, 0, 0),  # 0.63: under a whole day
        (date(2025, 1, 1), date(2025, 9, 30), 15, 5, 6),  # 273/365 x 15 - 5 = 6.2
        (date(2025, 1, 1), date(2025, 6, 30), 10, 8, 0),  # taken more: no claw-back
        (date(2025, 7, 1), date(2025, 12, 31), 10, 0, 5),  # hired 1 July: 184 days -> 5.04
    ],
)
def test_alm_art12_conversion(year_start, last_day, entitlement, taken, days):
    """ALM Art 12: (days this year / 365) x entitlement - taken, whole days only."""
    payout = annual_leave_payout(year_start=year_start, last_day=last_day, days_taken=taken,
                                 monthly_wage=D("8700"), annual_days_entitlement=entitlement)
    assert payout.days == days
    assert payout.amount_extra == D("800.00") * days  # 8,700 / 21.75 = 400 a day


def test_annual_leave_needs_exactly_one_entitlement_input():
    """Entitlement comes from days or from cumulative years, not both or neither."""
    with pytest.raises(ValueError, match="exactly one"):
        annual_leave_payout(year_start=date(2025, 1, 1), last_day=date(2025, 2, 1),
                            days_taken=0, monthly_wage=D("1"))


# --- Non-compete: LCL Art 23-24, SPC-I Art 36-39 -------------------------------------

@pytest.mark.parametrize(
    ("average", "minimum", "monthly"),
    [("10000", "2300", "3000.00"), ("6000", "2300", "2300.00"), ("7666.67", "1980", "2300.00")],
)
def test_spc_i_art36_default_thirty_percent(average, minimum, monthly):
    """SPC-I Art 36: 30% of the 12-month average, not below the local minimum wage."""
    assert non_compete_monthly(average_monthly_wage_12m=D(average),
                               local_minimum_wage=D(minimum)) == D(monthly)


def test_spc_i_art39_release_owes_three_months():
    """SPC-I Art 39: releasing the employee early costs 3 extra months."""
    assert non_compete_release_extra(D("3000")) == D("9000.00")


@pytest.mark.parametrize(
    ("first", "last", "ok"),
    [
        (date(2025, 4, 1), date(2027, 3, 31), True),  # exactly 2 years
        (date(2025, 4, 1), date(2027, 4, 1), False),  # one day over
        (date(2024, 2, 29), date(2026, 2, 27), True),
    ],
)
def test_lcl_art24_at_most_two_years(first, last, ok):
    """LCL Art 24: a non-compete may last at most 2 years."""
    assert non_compete_term_ok(first, last) is ok


# --- Contracts: LCL Art 19, 37, 42, 46 ----------------------------------------------

@pytest.mark.parametrize(
    ("months", "limit"),
    [(None, 6), (0, 0), (2, 0), (3, 1), (11, 1), (12, 2), (35, 2), (36, 6), (120, 6)],
)
def test_lcl_art19_probation_max(months, limit):
    """LCL Art 19: <3m none; 3m-<1y 1m; 1-<3y 2m; >=3y or open-ended 6m (Civil Code 1259)."""
    assert probation_max_months(months) == limit


def test_lcl_art37_notice_days():
    """LCL Art 37: 30 days' notice, 3 days in probation."""
    assert (notice_days(False), notice_days(True)) == (30, 3)


@pytest.mark.parametrize(
    ("termination", "owed"),
    [
        ("mutual_employer_proposed", True),
        ("mutual_employee_proposed", False),
        ("resignation", False),
        ("resignation_employer_fault", True),
        ("dismissal_for_cause", False),
        ("dismissal_no_fault", True),
        ("mass_layoff", True),
        ("expiry", True),
        ("expiry_renewal_refused", False),
        ("retirement", False),
        ("death", False),
        ("employer_closed", True),
    ],
)
def test_lcl_art46_severance_table(termination, owed):
    """LCL Art 46 / DOMAIN.md table: which ways of ending owe economic compensation."""
    assert severance_owed(termination) is owed


def test_art40_allows_pay_in_lieu():
    """LCL Art 40 + Reg Art 20: 30 days' notice or one month's wage instead."""
    rule = termination_rule(TerminationType.DISMISSAL_NO_FAULT)
    assert rule.pay_in_lieu_allowed and rule.notice_days == 30 and rule.art42 == "forbidden"


@pytest.mark.parametrize(
    ("status", "codes"),
    [
        (EmployeeStatus(pregnant=True), ["pregnancy"]),
        (EmployeeStatus(nursing=True, in_medical_period=True), ["medical_period", "pregnancy"]),
        (EmployeeStatus(hazard_work_without_exit_check=True), ["occupational_hazard"]),
        (EmployeeStatus(work_injury_incapacity=True), ["work_injury"]),
        (EmployeeStatus(continuous_service_years=D(15), years_to_retirement=D("4.9")),
         ["long_service"]),
        (EmployeeStatus(continuous_service_years=D("14.9"), years_to_retirement=D(2)), []),
        (EmployeeStatus(continuous_service_years=D(20), years_to_retirement=D(5)), []),
        (EmployeeStatus(), []),
    ],
)
def test_lcl_art42_protections(status, codes):
    """LCL Art 42(1)-(5): which protection forbids an Art 40/41 dismissal."""
    found = applicable_protections(status, TerminationType.DISMISSAL_NO_FAULT)
    assert [p.code for p in found] == codes


def test_lcl_art42_does_not_restrict_dismissal_for_cause():
    """Art 42 only restricts Art 40/41 dismissals; Art 45 postpones expiry."""
    status = EmployeeStatus(pregnant=True)
    assert applicable_protections(status, "dismissal_for_cause") == ()
    assert termination_rule("expiry").art42 == "postponed"
    assert applicable_protections(status, "expiry")[0].article == "LCL Art 42(4)"
    assert len(ART42) == 5


# --- Wage data -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def table() -> WageTable:
    return WageTable.load()


@pytest.mark.parametrize(
    ("city", "on", "minimum"),
    [
        ("广州", date(2021, 11, 30), "2100"),
        ("Guangzhou", date(2021, 12, 1), "2300"),
        ("广州市", date(2025, 3, 1), "2500"),
        ("呼和浩特", date(2024, 11, 30), "1980"),
        ("hohhot", date(2024, 12, 1), "2270"),
    ],
)
def test_minimum_wage_in_force_on_date(table, city, on, minimum):
    """The minimum wage in force is the latest entry whose effective date has passed."""
    assert table.minimum_wage(city, on) == D(minimum)


def test_average_wage_is_previous_year(table):
    """Art 47 para 2 uses the previous year's average: on 2025-05-01 -> the 2024 figure."""
    figure = table.average_wage_figure("Guangzhou", date(2025, 5, 1))
    assert figure.year == 2024 and figure.source
    assert table.average_wage("Guangzhou", date(2025, 5, 1)) == figure.monthly


def test_every_shipped_figure_has_a_source(table):
    """Each YAML figure carries its `source:` line (the loader enforces it too)."""
    assert {c.key for c in table.cities} >= {"guangzhou", "hohhot"}
    for city in table.cities:
        for figure in city.averages + city.minimums:
            assert figure.source


@pytest.mark.parametrize(
    ("city", "on", "message"),
    [
        ("Atlantis", date(2025, 1, 1), "No wage data for city 'Atlantis'"),
        ("Guangzhou", date(2001, 1, 1), "No average monthly wage for guangzhou for 2000"),
    ],
)
def test_missing_wage_data_is_clear(table, city, on, message):
    """Missing data raises MissingWageData naming what is missing."""
    with pytest.raises(MissingWageData, match=message):
        table.average_wage(city, on)


def test_missing_minimum_before_first_entry(table):
    """A date before the first minimum-wage entry has no figure."""
    with pytest.raises(MissingWageData, match="No minimum wage for hohhot"):
        table.minimum_wage("Hohhot", date(2010, 1, 1))


def test_strict_refuses_unverified(table):
    """strict=True refuses figures marked `verified: false`."""
    with pytest.raises(MissingWageData, match="verified: false"):
        table.average_wage("Hohhot", date(2025, 1, 1), strict=True)
    assert table.minimum_wage("Hohhot", date(2025, 1, 1), strict=True) == D("2270")


def test_hr_adds_a_year_without_code(tmp_path):
    """A new YAML entry is picked up by WageTable.load without any code change."""
    (tmp_path / "testville.yaml").write_text(
        "city: 测试市\ncity_en: Testville\n"
        "average_monthly_wage:\n"
        "  - {year: 2030, monthly: '9000', source: Test bureau}\n"
        "minimum_monthly_wage:\n"
        "  - {effective: 2030-07-01, monthly: 2600, source: Test notice}\n",
        encoding="utf-8",
    )
    table = WageTable.load(tmp_path)
    assert table.average_wage("测试市", date(2031, 2, 1)) == D("9000")
    assert table.minimum_wage("testville", date(2030, 7, 1)) == D("2600")


def test_loader_rejects_figure_without_source(tmp_path):
    """A figure without `source:` is a data error."""
    (tmp_path / "x.yaml").write_text(
        "minimum_monthly_wage:\n  - {effective: 2030-07-01, monthly: 2600}\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="source"):
        WageTable.load(tmp_path)


def test_compensation_with_city_average(table):
    """Art 47 para 2 with the table: a wage far above 3x the city average is capped."""
    on = date(2025, 5, 31)
    avg = table.average_wage("广州", on)
    result = economic_compensation(monthly_wage=avg * 5, start=date(2010, 6, 1), end=on,
                                   local_average_wage=avg)
    assert result.capped and result.years_capped
    assert result.amount == (avg * 3 * 12).quantize(D("0.01"))
