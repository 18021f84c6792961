"""Statutory deadlines: Civil Code Art 201-203 and the LDMAL periods as data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from app.law.calendar import ChinaCalendar, UnknownCalendarYear, WorkCalendar, add_months


@dataclass(frozen=True)
class Period:
    """A statutory period in days or months and the article that sets it."""

    key: str
    article: str
    days: int = 0
    months: int = 0
    description: str = ""


# Periods from DOMAIN.md; all counted with statutory_deadline (first day not counted).
PERIODS: dict[str, Period] = {
    p.key: p
    for p in (
        Period("resignation_notice", "LCL Art 37", days=30, description="employee's notice"),
        Period("resignation_notice_probation", "LCL Art 37", days=3,
               description="employee's notice in probation"),
        Period("dismissal_notice", "LCL Art 40", days=30, description="employer's notice"),
        Period("layoff_explanation", "LCL Art 41", days=30,
               description="explain a mass layoff to the union or all staff"),
        Period("file_transfer", "LCL Art 50", days=15,
               description="transfer personnel file and social insurance"),
        Period("mediation", "LDMAL Art 14", days=15,
               description="no mediation agreement -> arbitration"),
        Period("arbitration_acceptance", "LDMAL Art 29", days=5,
               description="commission accepts or rejects"),
        Period("arbitration_award", "LDMAL Art 43", days=45,
               description="award after acceptance"),
        Period("arbitration_award_extension", "LDMAL Art 43", days=15,
               description="approved extension of the award period"),
        Period("sue_after_award", "LDMAL Art 48", days=15,
               description="employee sues after a final award"),
        Period("set_aside_award", "LDMAL Art 49", days=30,
               description="employer applies to set aside a final award"),
        Period("limitation", "LDMAL Art 27", months=12,
               description="arbitration limitation from when the harm was known"),
        Period("contract_retention", "LCL Art 50", months=24,
               description="keep terminated contracts at least 2 years"),
    )
}


@lru_cache(maxsize=1)
def _default_calendar() -> ChinaCalendar:
    return ChinaCalendar()


def _roll(nominal: date, calendar: WorkCalendar | None) -> date:
    cal = calendar or _default_calendar()
    if getattr(cal, "strict", True) and not cal.knows_year(nominal.year):
        raise UnknownCalendarYear(nominal.year, tuple(getattr(cal, "known_years", ()) or ()))
    # Civil Code Art 203: a last day on a rest day or statutory holiday moves to the
    # next working day; a make-up working day (调休) is a working day and stays.
    return cal.next_workday(nominal)


def statutory_deadline(start: date, days: int, calendar: WorkCalendar | None = None) -> date:
    """Last day of a `days`-day period from `start` (Civil Code Art 201, 203)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    # Art 201: the start day is not counted, so the nominal last day is start + days.
    return _roll(start + timedelta(days=days), calendar)


def statutory_deadline_months(
    start: date, months: int, calendar: WorkCalendar | None = None
) -> date:
    """Last day of a period in months/years (Civil Code Art 201-203)."""
    if months < 0:
        raise ValueError("months must be >= 0")
    # Art 202: the corresponding day of the final month, else that month's last day.
    return _roll(add_months(start, months), calendar)


def period_deadline(key: str, start: date, calendar: WorkCalendar | None = None) -> date:
    """Deadline of a named statutory period from PERIODS."""
    period = PERIODS[key]
    if period.months:
        return statutory_deadline_months(start, period.months, calendar)
    return statutory_deadline(start, period.days, calendar)
