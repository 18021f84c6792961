"""Money owed at exit besides severance: pay in lieu of notice, untaken annual leave,
non-compete compensation.

Annual leave: Regulations on Paid Annual Leave of Employees (职工带薪年休假条例, "ALR")
and the Implementing Measures for Enterprise Employees (企业职工带薪年休假实施办法,
"ALM"). Non-compete: LCL Art 23-24 and SPC-I Art 36-39.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from app.law.calendar import add_months
from app.law.compensation import cents

MONTHLY_PAY_DAYS = Decimal("21.75")  # ALM Art 11: 月计薪天数
LEAVE_EXTRA_RATE = Decimal(2)  # ALM Art 10: 300% in total, 100% already paid as salary
LEAVE_TOTAL_RATE = Decimal(3)
YEAR_DAYS = 365  # ALM Art 12: the formula divides by 365 days
NON_COMPETE_RATE = Decimal("0.30")  # SPC-I Art 36
NON_COMPETE_RELEASE_MONTHS = 3  # SPC-I Art 39
NON_COMPETE_UNPAID_MONTHS = 3  # SPC-I Art 38: unpaid 3 months -> the employee may end it
NON_COMPETE_MAX_MONTHS = 24  # LCL Art 24

# ALR Art 3: (cumulative years of work from, to, days); "已满" includes the number.
LEAVE_ENTITLEMENT: tuple[tuple[int, int | None, int], ...] = (
    (0, 1, 0),
    (1, 10, 5),
    (10, 20, 10),
    (20, None, 15),
)


def pay_in_lieu_of_notice(last_month_wage: Decimal) -> Decimal:
    """One month's wage instead of 30 days' notice: the previous month's wage (Reg Art 20)."""
    if last_month_wage < 0:
        raise ValueError("last_month_wage must be >= 0")
    return cents(last_month_wage)


def annual_leave_entitlement(cumulative_work_years: Decimal | int) -> int:
    """Annual leave days for cumulative years of work: 0/5/10/15 (ALR Art 3)."""
    years = Decimal(cumulative_work_years)
    for low, high, days in LEAVE_ENTITLEMENT:
        if years >= low and (high is None or years < high):
            return days
    raise ValueError(f"invalid cumulative_work_years: {cumulative_work_years}")


@dataclass(frozen=True)
class LeavePayout:
    """Untaken annual leave converted at termination (ALM Art 10-12)."""

    entitlement: int
    days_worked: int
    days: int
    daily_wage: Decimal
    amount_extra: Decimal
    amount_total: Decimal
    explanation: tuple[str, ...]


def _entitlement(days: int | None, years: Decimal | int | None) -> int:
    if (days is None) == (years is None):
        raise ValueError("give exactly one of annual_days_entitlement, cumulative_work_years")
    return days if days is not None else annual_leave_entitlement(years)  # type: ignore[arg-type]


def annual_leave_payout(
    *,
    year_start: date,
    last_day: date,
    days_taken: Decimal | int,
    monthly_wage: Decimal,
    annual_days_entitlement: int | None = None,
    cumulative_work_years: Decimal | int | None = None,
) -> LeavePayout:
    """Untaken annual leave days owed at exit and the 200% extra pay for them (ALM Art 10-12)."""
    if last_day < year_start or last_day.year != year_start.year:
        raise ValueError("year_start and last_day must be in the same year, in order")
    entitlement = _entitlement(annual_days_entitlement, cumulative_work_years)
    # ALM Art 12: days elapsed this year with this employer (year_start = Jan 1 or hire date).
    worked = min((last_day - year_start).days + 1, YEAR_DAYS)
    due = Decimal(worked * entitlement) / YEAR_DAYS - Decimal(days_taken)
    # Art 12: "折算后不足1整天的部分不支付"; leave already taken beyond it is not clawed back.
    days = max(int(due.to_integral_value(rounding=ROUND_FLOOR)), 0)
    daily = cents(monthly_wage / MONTHLY_PAY_DAYS)  # ALM Art 11
    extra = cents(daily * LEAVE_EXTRA_RATE * days)
    total = cents(daily * LEAVE_TOTAL_RATE * days)
    prorata = f"{worked}/{YEAR_DAYS} x {entitlement} days - {days_taken} taken = {due:.2f}"
    notes = (
        f"{prorata} -> {days} whole days (ALM Art 12)",
        f"Daily wage {monthly_wage} / {MONTHLY_PAY_DAYS} = {daily} (ALM Art 11)",
        f"300% owed per day, 100% already paid as salary: extra 200% = {extra} (ALM Art 10)",
    )
    return LeavePayout(entitlement, worked, days, daily, extra, total, notes)


def non_compete_monthly(
    *, average_monthly_wage_12m: Decimal, local_minimum_wage: Decimal
) -> Decimal:
    """Default monthly non-compete pay: 30% of the 12-month average, >= minimum (SPC-I Art 36)."""
    return cents(max(average_monthly_wage_12m * NON_COMPETE_RATE, local_minimum_wage))


def non_compete_release_extra(monthly: Decimal) -> Decimal:
    """Extra pay when the employer releases a non-compete early: 3 months (SPC-I Art 39)."""
    return cents(monthly * NON_COMPETE_RELEASE_MONTHS)


def non_compete_term_ok(first_day: date, last_day: date) -> bool:
    """True when a non-compete first_day..last_day (inclusive) is at most 2 years (LCL Art 24)."""
    if last_day < first_day:
        raise ValueError("last_day is before first_day")
    return last_day + timedelta(days=1) <= add_months(first_day, NON_COMPETE_MAX_MONTHS)
