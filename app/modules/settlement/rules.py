"""Pure settlement arithmetic: case facts in, amounts and explanation notes out.

No database and no Flask here; `inputs.py` gathers the facts. Each note is a message code
with parameters (see `messages.py`), so the sheet reads well in every language.
"""
from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from app.law import (
    TerminationType,
    annual_leave_payout,
    cents,
    compensation_months,
    economic_compensation,
    non_compete_monthly,
    pay_in_lieu_of_notice,
    severance_owed,
)
from app.law.compensation import LCL_IN_FORCE
from app.law.settlement import MONTHLY_PAY_DAYS
from app.law.wages import WageFigure

ZERO = Decimal("0.00")


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def note(code: str, **params) -> dict:
    return {"code": code, "params": {k: str(v) for k, v in params.items()}}


@dataclass(frozen=True)
class AverageWage:
    """The 12-month average wage (LCL Art 47 para 3) and how it was found."""

    amount: Decimal | None  # before the minimum-wage floor
    floored: Decimal | None  # after it (Reg Art 27)
    notes: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Inputs:
    """Everything a settlement sheet is computed from."""

    termination: TerminationType | None
    hire_date: date | None
    last_day: date | None
    city: str
    contract_wage: Decimal | None  # monthly wage frozen at filing
    average: AverageWage
    previous_month_wage: tuple[date, Decimal] | None  # Reg Art 20
    average_figure: WageFigure | None  # city average of the previous year (Art 47 para 2)
    minimum_figure: WageFigure | None  # local minimum wage on the last day (Reg Art 27)
    pay_in_lieu: bool = False
    workdays: tuple[int, date, bool] | None = None  # days worked in the last month, from, estimated
    leave_days_taken: Decimal | None = None
    cumulative_work_years: Decimal | None = None
    non_compete_months: int | None = None  # None: no non-compete agreed


@dataclass
class Line:
    amount: Decimal = ZERO
    notes: list[dict] = field(default_factory=list)


def compute_lines(i: Inputs) -> dict[str, Line]:
    """Every line of the sheet, keyed by line code."""
    return {
        "compensation": compensation_line(i),
        "pay_in_lieu": pay_in_lieu_line(i),
        "leave_payout": leave_payout_line(i),
        "final_wage": final_wage_line(i),
        "non_compete": non_compete_line(i),
    }


def _dates_missing(i: Inputs) -> Line | None:
    if i.hire_date is None or i.last_day is None or i.last_day < i.hire_date:
        return Line(notes=[note("dates_missing")])
    return None


def _unverified(figure: WageFigure | None) -> list[dict]:
    if figure is None or figure.verified:
        return []
    return [note("figure_unverified", amount=money(figure.monthly), source=figure.source)]


def compensation_line(i: Inputs) -> Line:
    """Economic compensation when LCL Art 46 owes it, computed per Art 47."""
    if i.termination is None:
        return Line(notes=[note("basis_pending")])
    basis = note(f"basis_{i.termination.value}")
    if not severance_owed(i.termination):
        return Line(notes=[basis])
    missing = _dates_missing(i)
    if missing or i.average.floored is None:
        return Line(notes=[basis, *(missing.notes if missing else [note("wage_missing")])])
    wage = i.average.floored
    local = i.average_figure.monthly if i.average_figure else wage  # unknown: cap not checked
    result = economic_compensation(monthly_wage=wage, start=i.hire_date, end=i.last_day,
                                   local_average_wage=local)
    s = result.service
    notes = [basis, *i.average.notes,
             note("comp_service", start=i.hire_date, end=i.last_day, years=s.years,
                  months=s.months % 12, days=s.days, count=compensation_months(s))]
    if i.average_figure is None:
        notes.append(note("comp_no_average", city=i.city, year=i.last_day.year - 1))
    notes += _unverified(i.average_figure)
    if result.capped:
        notes.append(note("comp_cap", year=i.average_figure.year, city=i.city,
                          average=money(i.average_figure.monthly), source=i.average_figure.source,
                          base=money(result.base_wage)))
    if result.years_capped:
        notes.append(note("comp_cap_years"))
    if i.hire_date < LCL_IN_FORCE:
        notes.append(note("comp_before_2008"))
    notes.append(note("comp_amount", base=money(result.base_wage), count=result.months,
                      amount=money(result.amount)))
    return Line(result.amount, notes)


def pay_in_lieu_line(i: Inputs) -> Line:
    """One month's wage instead of 30 days' notice for an Art 40 dismissal (Reg Art 20)."""
    if i.termination is not TerminationType.DISMISSAL_NO_FAULT:
        return Line(notes=[note("pil_not_applicable")])
    if not i.pay_in_lieu:
        return Line(notes=[note("pil_notice_given")])
    if i.previous_month_wage is not None:
        month, wage = i.previous_month_wage
        amount = pay_in_lieu_of_notice(wage)
        return Line(amount, [note("pil_owed", month=month.strftime("%Y-%m"), amount=money(amount))])
    if i.contract_wage is None:
        return Line(notes=[note("wage_missing")])
    amount = pay_in_lieu_of_notice(i.contract_wage)
    return Line(amount, [note("pil_owed_contract", amount=money(amount))])


def leave_payout_line(i: Inputs) -> Line:
    """Untaken annual leave, paid 200% extra (Paid Annual Leave Measures Art 10-12)."""
    if i.leave_days_taken is None or i.cumulative_work_years is None:
        return Line(notes=[note("leave_facts_missing")])
    missing = _dates_missing(i)
    if missing or i.average.amount is None:
        return missing or Line(notes=[note("wage_missing")])
    year_start = max(date(i.last_day.year, 1, 1), i.hire_date)
    p = annual_leave_payout(year_start=year_start, last_day=i.last_day,
                            days_taken=i.leave_days_taken, monthly_wage=i.average.amount,
                            cumulative_work_years=i.cumulative_work_years)
    due = Decimal(p.days_worked * p.entitlement) / 365 - i.leave_days_taken
    notes = [note("leave_entitlement", years=i.cumulative_work_years, days=p.entitlement),
             note("leave_prorata", worked=p.days_worked, days=p.entitlement,
                  taken=i.leave_days_taken, due=f"{due:.2f}", whole=p.days),
             note("leave_daily", wage=money(i.average.amount), daily=money(p.daily_wage)),
             note("leave_amount", daily=money(p.daily_wage), whole=p.days,
                  amount=money(p.amount_extra))]
    return Line(p.amount_extra, notes)


def final_wage_line(i: Inputs) -> Line:
    """Pay for the days worked in the month of the last day: wage / 21.75 x working days.

    21.75 paid days a month: MOHRSS notice 劳社部发〔2008〕3号 (the same divisor as ALM Art 11).
    A full calendar month worked is paid at the monthly wage.
    """
    missing = _dates_missing(i)
    if missing or i.contract_wage is None or i.workdays is None:
        return missing or Line(notes=[note("wage_missing")])
    days, first, estimated = i.workdays
    notes = [note("final_days", first=first, last=i.last_day, days=days)]
    if estimated:
        notes.append(note("calendar_estimated", year=i.last_day.year))
    month_end = _stdcal.monthrange(i.last_day.year, i.last_day.month)[1]
    full_month = first.day == 1 and i.last_day.day == month_end
    prorated = cents(i.contract_wage / MONTHLY_PAY_DAYS * days)
    if full_month or prorated > i.contract_wage:
        amount = cents(i.contract_wage)
        notes.append(note("final_full_month", amount=money(amount)))
    else:
        amount = prorated
        notes.append(note("final_amount", wage=money(i.contract_wage), days=days,
                          amount=money(amount)))
    return Line(amount, notes)


def non_compete_line(i: Inputs) -> Line:
    """Default non-compete pay: 30% of the 12-month average, >= minimum wage (SPC-I Art 36)."""
    if not i.non_compete_months:
        return Line(notes=[note("nc_none")])
    if i.average.amount is None:
        return Line(notes=[note("wage_missing")])
    minimum = i.minimum_figure.monthly if i.minimum_figure else ZERO
    monthly = non_compete_monthly(average_monthly_wage_12m=i.average.amount,
                                  local_minimum_wage=minimum)
    notes = [note("nc_monthly", average=money(i.average.amount), minimum=money(minimum),
                  monthly=money(monthly))]
    if i.minimum_figure is None:
        notes.append(note("minimum_missing", city=i.city, on=i.last_day))
    notes += _unverified(i.minimum_figure)
    amount = cents(monthly * i.non_compete_months)
    notes.append(note("nc_amount", monthly=money(monthly), months=i.non_compete_months,
                      amount=money(amount)))
    return Line(amount, notes)


def month_workdays(calendar, first: date, last: date) -> int:
    """Working days in first..last, both included."""
    return sum(calendar.is_workday(first + timedelta(days=n)) for n in range((last - first).days + 1))
