"""Turnover analytics: formulas, headcount from employment history, invariants, forecast."""
from __future__ import annotations

import math
import re
from datetime import date, timedelta

import pytest

from app.modules.analytics import contagion, cost, forecast, queries, rates
from app.modules.analytics.departures import Departure
from app.modules.analytics.periods import PeriodError, parse_month, split_periods
from app.modules.analytics.synthetic import generate_company
from app.modules.employees.models import Assignment, Separation

# ------------------------------------------------------------------ formulas (pure)

def test_average_headcount_formula_domain_example():
    # DOMAIN.md / SHRM: 30 at start, 40 at end, 5 leavers -> 5 / 35 = 14.3 %.
    assert round(rates.average_headcount_rate(5, 30, 40), 3) == 0.143


def test_annual_rate_is_the_sum_of_monthly_rates():
    # SHRM: the annual turnover rate is the sum of the twelve monthly rates.
    monthly = [rates.average_headcount_rate(1, 100, 100)] * 12
    assert rates.annual_from_monthly(monthly) == pytest.approx(0.12)


@pytest.mark.parametrize("start,hires,leavers", [(100, 10, 5), (30, 15, 5), (0, 4, 1), (50, 0, 50)])
def test_leavers_plus_end_equals_leavers_over_start_plus_hires(start, hires, leavers):
    # DOMAIN.md: equal when headcount changes only through hires and leavers.
    end = start + hires - leavers
    assert rates.leavers_plus_end_rate(leavers, end) == pytest.approx(leavers / (start + hires))


def test_leavers_plus_end_examples_and_bounds():
    # 12 leavers, 108 at year end -> 10 % (the textbook 离职率 example shape).
    assert rates.leavers_plus_end_rate(12, 108) == pytest.approx(0.10)
    assert rates.leavers_plus_end_rate(5, 0) == 1.0
    assert rates.leavers_plus_end_rate(0, 0) is None
    assert rates.average_headcount_rate(0, 0, 0) is None


def test_new_hire_turnover_and_retention():
    assert rates.new_hire_turnover(3, 12) == 0.25
    assert rates.new_hire_turnover(0, 0) is None
    assert rates.retention_rate(40, 4) == 0.9


def test_unknown_formula_and_bad_months_are_refused():
    with pytest.raises(ValueError):
        rates.turnover_rate("magic", 1, 1, 1)
    with pytest.raises(PeriodError):
        parse_month("2024-13")
    with pytest.raises(PeriodError):
        split_periods(parse_month("2024-05"), parse_month("2024-01"))


def test_quarters_are_clipped_to_the_range():
    labels = [(p.label, p.first, p.last) for p in split_periods(parse_month("2024-02"), parse_month("2024-07"), "quarter")]
    assert [lab for lab, *_ in labels] == ["2024-Q1", "2024-Q2", "2024-Q3"]
    assert labels[0][1] == parse_month("2024-02") and labels[-1][2] == parse_month("2024-07")


# ------------------------------------------------------------ history -> headcount

@pytest.fixture
def small_company(session, make_department, make_employee):
    """Root R with teams A and B; hand-made spells around January 2024."""
    root = make_department(code="R")
    team_a = make_department(code="A", parent=root)
    team_b = make_department(code="B", parent=root)

    def person(dept, start, end=None, left=None, voluntary=True, kind="hire"):
        emp = make_employee(department=dept, hire_date=start)
        session.add(Assignment(employee_id=emp.id, department_id=dept.id, start_date=start, end_date=end,
                               start_kind=kind, end_kind="departure" if left else None))
        if left:
            session.add(Separation(employee_id=emp.id, last_day=left, separation_type="voluntary_resignation",
                                   voluntary=voluntary, reason_codes=["career"], primary_reason="career"))
        return emp

    for _ in range(8):
        person(team_a, date(2023, 1, 1))
    person(team_a, date(2023, 1, 1), date(2024, 1, 31), date(2024, 1, 31))  # leaves on the month's last day
    person(team_a, date(2023, 1, 1), date(2024, 1, 10), date(2024, 1, 10), voluntary=False)
    person(team_b, date(2024, 1, 1))  # hired on the first day
    person(team_b, date(2023, 6, 1), date(2024, 1, 15), date(2024, 1, 15))
    # A separation recorded without closing the spell (the archive action does that): still a leaver.
    person(team_b, date(2023, 6, 1), None, date(2024, 1, 20))
    # Transfer A -> B at the month end: in A's end headcount, in B's from February.
    mover = person(team_a, date(2023, 3, 1), date(2024, 1, 31))
    session.add(Assignment(employee_id=mover.id, department_id=team_b.id, start_date=date(2024, 2, 1),
                           start_kind="transfer"))
    session.flush()
    return {"root": root, "a": team_a, "b": team_b}


def _cells(group_by="department", first="2024-01", last="2024-02", **kw):
    table = queries.turnover_table(first=parse_month(first), last=parse_month(last), group_by=group_by, **kw)
    return {(table.labels[k], p): c for (k, p), c in table.cells.items()}


def test_headcount_start_end_and_leavers_follow_the_definitions(small_company):
    cells = _cells()
    a, b, root = cells["A", "2024-01"], cells["B", "2024-01"], cells["R", "2024-01"]
    assert (a.headcount_start, a.leavers, a.headcount_end) == (11, 2, 9)  # last-day leaver not in end
    assert (b.headcount_start, b.leavers, b.headcount_end) == (3, 2, 1)  # hired on the 1st counts at start
    assert (root.headcount_start, root.leavers, root.headcount_end) == (14, 4, 10)
    assert (a.voluntary, a.involuntary) == (1, 1)
    assert cells["B", "2024-02"].headcount_start == 2  # the transfer arrived
    assert cells["A", "2024-02"].headcount_start == 8


def test_rate_on_the_small_company_matches_a_hand_calculation(small_company):
    root = _cells()["R", "2024-01"]
    assert root.rate(rates.LEAVERS_PLUS_END) == pytest.approx(4 / 14)
    assert root.rate(rates.AVERAGE_HEADCOUNT) == pytest.approx(4 / 12)


def test_headcount_on_a_date(small_company):
    assert queries.headcount_on(date(2024, 1, 1)) >= 14
    assert queries.headcount_on(date(2024, 1, 1), department_id=small_company["root"].id) == 14
    assert queries.headcount_on(date(2024, 1, 31), department_id=small_company["a"].id) == 10
    assert queries.headcount_on(date(2024, 1, 21), department_id=small_company["b"].id) == 1


def test_department_filter_keeps_only_the_subtree(small_company):
    rows = queries.turnover_rows(start="2024-01", end="2024-01", group_by="department", formula="leavers_plus_end",
                                 department_id=small_company["a"].id)
    assert [r["group"] for r in rows] == ["A"]


# --------------------------------------------------------------- invariants at scale

@pytest.fixture
def company(session):
    return generate_company(session, employees=600, start=date(2021, 1, 1), end=date(2024, 12, 31), seed=11)


def test_department_leavers_equal_the_sum_over_sub_departments(company):
    table = queries.turnover_table(first=parse_month("2021-01"), last=parse_month("2024-12"))
    depts = {d["id"]: d for d in company["departments"]}
    for d in depts.values():
        children = [c for c in depts.values() if c["parent_id"] == d["id"]]
        if not children:
            continue
        for p in table.periods:
            own = table.cells.get((d["id"], p.label))
            total = sum(table.cells[c["id"], p.label].leavers for c in children if (c["id"], p.label) in table.cells)
            assert own is not None and own.leavers == total  # generated people sit in leaf teams only


def test_second_formula_rates_stay_within_zero_and_one(company):
    for group_by in ("department", "position", "grade", "city", "tenure"):
        rows = queries.turnover_rows(start="2021-01", end="2024-12", group_by=group_by,
                                     formula=rates.LEAVERS_PLUS_END, period="quarter")
        rated = [row["rate"] for row in rows if row["rate"] is not None]
        assert len(rated) >= 16, group_by  # every quarter of four years has at least one group
        assert all(0 <= rate <= 1 for rate in rated), group_by
        assert any(rate > 0 for rate in rated), group_by


def test_every_grouping_adds_up_to_the_company(company):
    def totals(group_by):
        rows = queries.turnover_rows(start="2022-01", end="2022-12", group_by=group_by,
                                     formula=rates.LEAVERS_PLUS_END, period="year")
        return tuple(sum(r[k] for r in rows) for k in ("headcount_start", "headcount_end", "leavers"))
    company_totals = totals("company")
    for group_by in ("position", "grade", "city", "tenure"):
        assert totals(group_by) == company_totals


def test_monthly_figures_match_a_day_by_day_recount(session, company):
    spells = session.query(Assignment).all()
    seps = {(s.employee_id, s.last_day) for s in session.query(Separation).all()}
    stop_of = {}
    for a in spells:
        inside = [d for (e, d) in seps if e == a.employee_id and d >= a.start_date and (a.end_date is None or d <= a.end_date)]
        stop_of[a.id] = (min(inside), True) if inside else (a.end_date, False)

    def on(day):
        return sum(1 for a in spells if a.start_date <= day and (stop_of[a.id][0] is None or stop_of[a.id][0] >= day))
    table = queries.turnover_table(first=parse_month("2023-01"), last=parse_month("2023-06"), group_by="company")
    for p in table.periods:
        cell = table.cells[0, p.label]
        leaving_last_day = sum(1 for a in spells if stop_of[a.id] == (p.end, True))
        assert cell.headcount_start == on(p.start)
        assert cell.headcount_end == on(p.end) - leaving_last_day
        assert cell.leavers == sum(1 for _e, d in seps if p.start <= d <= p.end)


# ------------------------------------------------------------------------ forecast

def test_chosen_forecast_is_not_worse_than_the_naive_baseline(company):
    table = queries.turnover_table(first=parse_month("2021-01"), last=parse_month("2024-12"), group_by="company")
    history = [table.cells[0, p.label].leavers for p in table.periods]
    result = forecast.forecast(history, horizon=3)
    assert result.error is not None and result.baseline_error is not None
    assert result.error <= result.baseline_error
    assert len(result.points) == 3 and all(lo <= pt <= hi for lo, pt, hi in zip(result.lower, result.points, result.upper, strict=True))


def test_seasonal_naive_repeats_last_year():
    history = list(range(24))
    assert forecast.seasonal_naive(history, 3) == [12.0, 13.0, 14.0]
    assert forecast.seasonal_naive([4, 5], 2) == [5.0, 5.0]


def test_backfill_plan_adds_open_positions_to_the_first_month():
    result = forecast.Forecast("seasonal_naive", [1.2, 0.0], [0, 0], [2, 1])
    plan = forecast.backfill_plan({"A": result}, {"A": 2}, ["2025-01", "2025-02"])
    assert [r["suggested_hires"] for r in plan] == [4, 0]


def test_forecast_horizon_is_limited():
    with pytest.raises(ValueError):
        forecast.forecast([1, 2, 3], horizon=7)


# ---------------------------------------------------------------- contagion and cost

def _departure(n, day, team="T1", voluntary=True, position="COLLECTOR", wage=None):
    return Departure(n, n, f"E{n}", f"员工{n}", day, None, voluntary, None, "career", ("career",),
                     1, team, position, wage)


def test_contagion_flags_a_team_with_a_chain_and_shows_it():
    start = date(2024, 3, 1)
    items = [_departure(1, start), _departure(2, start + timedelta(days=5)), _departure(3, start + timedelta(days=20)),
             _departure(4, start + timedelta(days=90)), _departure(5, start + timedelta(days=3), team="T2")]
    clusters = contagion.find_clusters(items, window_days=30, min_size=3)
    assert len(clusters) == 1
    assert clusters[0].team == "T1" and [d.id for d in clusters[0].chain] == [1, 2, 3]
    assert contagion.find_clusters(items, window_days=10, min_size=3) == []


def test_cost_of_a_departure_adds_up_the_components():
    model = {"defaults": {"recruiting_cost": 1000, "training_days": 10, "vacancy_days": 20, "output_multiple": 2,
                          "overtime_share": 0.5, "overtime_premium": 1.5, "ramp_up_months": 2,
                          "ramp_up_output": 0.5, "monthly_wage": 4350}, "positions": {}}
    item = cost.departure_cost(_departure(1, date(2024, 1, 5), position="X"), model)
    daily = 4350 / 21.75  # 200
    assert item.components == {"recruiting": 1000, "training": 10 * daily, "vacancy": 20 * 0.5 * 2 * daily,
                               "overtime": 20 * 0.5 * daily * 1.5, "ramp_up": 2 * 21.75 * 2 * daily * 0.5}
    assert math.isclose(item.total, 1000 + 2000 + 4000 + 3000 + 8700)
    assert item.assumptions["monthly_wage_used"] == 4350


def test_the_shipped_cost_model_loads_and_overrides_by_position():
    assumptions = cost.assumptions_for("COLLECTOR")
    assert assumptions["recruiting_cost"] == 1500 and "overtime_premium" in assumptions


# ------------------------------------------------------------------ survey satisfaction (issue 7)

def test_compare_page_hides_a_satisfaction_figure_that_two_periods_could_single_out(
        session, client, make_user, login):
    """Jan 2026: six answers of 4; Feb: one answer of 1. Jan–Feb (3.57) is shown; Jan alone
    is not, or 3.57 x 7 minus it would give February's single answer."""
    from app.modules.interviews.models import SurveyResponse

    for month, overall in [("2026-01", 4)] * 6 + [("2026-02", 1)]:
        session.add(SurveyResponse(month=month, scores={}, overall=overall))
    session.flush()
    login(make_user(roles=("hr",)).username)
    html = client.get("/analytics/compare?start=2026-01&end=2026-02"
                      "&compare_start=2026-01&compare_end=2026-01").get_data(as_text=True)
    row = re.search(r'<tr data-test="satisfaction"><th>[^<]*</th><td>(.*?)</td><td>(.*?)</td>', html)
    assert row and row.group(1) == "3.57" and 'data-test="no-data"' in row.group(2)
    assert 'data-test="satisfaction-note"' in html
