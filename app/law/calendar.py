"""Working-day calendars for counting statutory periods (Civil Code Art 201-203).

`ChinaCalendar` wraps the `holidays` package (country CN), which models the State
Council's yearly holiday notice (国务院办公厅关于部分节假日安排的通知): statutory
holidays, the weekdays given off in exchange (调休) and the weekend days worked instead
(make-up working days, `weekend_workdays`). A year without a notice is *unknown*:
we refuse to guess (DOMAIN.md, "Counting days").
"""
from __future__ import annotations

import calendar as _stdcal
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Protocol

import holidays

_SATURDAY = 5


class UnknownCalendarYear(ValueError):
    """The calendar has no official holiday notice for a year."""

    def __init__(self, year: int, known: tuple[int, ...] = ()) -> None:
        self.year = year
        span = f" (known years: {known[0]}-{known[-1]})" if known else ""
        super().__init__(
            f"No official holiday notice is loaded for {year}: working days in {year} "
            f"cannot be determined{span}. Update the `holidays` package once the State "
            f"Council publishes the {year} notice."
        )


class WorkCalendar(Protocol):
    """What the deadline functions need from a calendar."""

    def knows_year(self, year: int) -> bool: ...
    def is_workday(self, d: date) -> bool: ...
    def next_workday(self, d: date) -> date: ...


def add_months(d: date, months: int) -> date:
    """Return the corresponding day `months` later, or the month's last day (Civil Code Art 202)."""
    total = d.year * 12 + d.month - 1 + months
    year, month = divmod(total, 12)
    last = _stdcal.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


class _WorkdayArithmetic:
    """Date arithmetic shared by calendars that implement `is_workday`."""

    def is_workday(self, d: date) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def next_workday(self, d: date) -> date:
        """Return `d` if it is a working day, else the next working day (Civil Code Art 203)."""
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    def add_business_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (before it when n < 0; `d` not counted, Art 201); n=0 gives d."""
        step = timedelta(days=1 if n >= 0 else -1)
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_workday(d):
                remaining -= 1
        return d

    def business_days_between(self, a: date, b: date) -> int:
        """Count working days in (a, b]; negative when b is before a."""
        if b < a:
            return -self.business_days_between(b, a)
        return sum(self.is_workday(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))


@dataclass(frozen=True)
class _YearSets:
    holidays: frozenset[date]
    workdays: frozenset[date]


@cache
def _notice_years() -> tuple[int, ...]:
    # Years whose State Council notice the package encodes as special (substituted)
    # holidays; the package is checked against the notices from 2001 on.
    special = getattr(holidays.country_holidays("CN"), "special_public_holidays", {})
    return tuple(sorted(y for y in special if y >= 2001))


@cache
def _china_year(year: int) -> _YearSets:
    cn = holidays.country_holidays("CN", years=year)
    return _YearSets(
        holidays=frozenset(d for d in cn if d.year == year),
        workdays=frozenset(d for d in cn.weekend_workdays if d.year == year),
    )


class ChinaCalendar(_WorkdayArithmetic):
    """Mainland China working days from the State Council notices (via `holidays`)."""

    def __init__(self, *, strict: bool = True) -> None:
        # strict=False falls back to the package's estimate for years without a notice.
        self.strict = strict
        self.known_years: tuple[int, ...] = _notice_years()

    def knows_year(self, year: int) -> bool:
        """True when an official holiday notice for `year` is loaded."""
        return year in self.known_years

    def _sets(self, year: int) -> _YearSets:
        if self.strict and not self.knows_year(year):
            raise UnknownCalendarYear(year, self.known_years)
        return _china_year(year)

    def is_holiday(self, d: date) -> bool:
        """True for a statutory holiday or a weekday given off in exchange (调休)."""
        return d in self._sets(d.year).holidays

    def is_workday(self, d: date) -> bool:
        """True for a working day; make-up weekend working days (调休上班) count."""
        sets = self._sets(d.year)
        if d in sets.workdays:
            return True
        return d.weekday() < _SATURDAY and d not in sets.holidays


@dataclass(frozen=True)
class FixedCalendar(_WorkdayArithmetic):
    """Saturday/Sunday weekends plus explicit holiday and make-up workday sets (for tests)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)
    known_years: tuple[int, ...] | None = None  # None: every year is known

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "workdays", frozenset(self.workdays))

    def knows_year(self, year: int) -> bool:
        """True when `year` is covered (always, unless known_years is given)."""
        return self.known_years is None or year in self.known_years

    def _check(self, d: date) -> None:
        if not self.knows_year(d.year):
            raise UnknownCalendarYear(d.year, tuple(sorted(self.known_years or ())))

    def is_holiday(self, d: date) -> bool:
        """True when `d` is one of the explicit holidays."""
        self._check(d)
        return d in self.holidays

    def is_workday(self, d: date) -> bool:
        """True for weekdays that are not holidays, and for explicit make-up workdays."""
        self._check(d)
        if d in self.workdays:
            return True
        return d.weekday() < _SATURDAY and d not in self.holidays
