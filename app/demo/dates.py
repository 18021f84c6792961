"""The demo's calendar, laid out backwards from the day it is loaded.

The demo company has two years of history that end on the day `flask demo load` runs, so
it looks the same on any date: probation staff are still in probation, contracts run out
after today, last working days fall after today, and the contagion wave that followed a
team lead's departure after the Spring Festival lies wholly in the past.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

HISTORY_MONTHS = 24  # the history covers this many months, the current one included
WAGE_MONTHS_BEFORE = 12  # wages start a year before the history (Art 47's 12-month average)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clipped to the month's end."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def weekday_on_or_before(day: date) -> date:
    """`day`, or the Friday before it when it falls on a weekend."""
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


@cache
def spring_festival(year: int) -> date:
    """The first day of the Spring Festival (Chinese New Year) of a year."""
    names = holidays.China(years=year, language="en_US")
    return min(day for day, name in names.items() if "Spring Festival" in name)


@dataclass(frozen=True)
class DemoDates:
    """Every date the demo is built around, derived from `today` (China's date at load)."""

    today: date

    @property
    def history_start(self) -> date:
        """The first day of the simulated history."""
        return add_months(self.today.replace(day=1), 1 - HISTORY_MONTHS)

    @property
    def wage_history_start(self) -> date:
        """The first month with wage records."""
        return add_months(self.history_start, -WAGE_MONTHS_BEFORE)

    @property
    def last_paid_month(self) -> date:
        """The last month whose wages are paid (the one before today's)."""
        return add_months(self.today.replace(day=1), -1)

    @property
    def raise_years(self) -> tuple[int, ...]:
        """Years whose April pay raise falls inside the wage history."""
        first = self.wage_history_start.year
        return tuple(y for y in range(first, self.today.year + 1)
                     if self.wage_history_start < date(y, 4, 1) <= self.today)

    @property
    def spring_festival_pay_months(self) -> tuple[date, ...]:
        """The months in which the Spring Festival bonus is paid."""
        years = range(self.wage_history_start.year, self.today.year + 1)
        months = (spring_festival(y).replace(day=1) for y in years)
        return tuple(m for m in months if self.wage_history_start <= m <= self.last_paid_month)

    @property
    def contagion_year(self) -> int:
        """The last year whose spring wave (March to May) is over by today."""
        return self.today.year if self.today >= date(self.today.year, 7, 1) else self.today.year - 1

    @property
    def contagion_months(self) -> tuple[tuple[int, int], ...]:
        """The months of the wave of departures after the team lead left."""
        return tuple((self.contagion_year, month) for month in (3, 4, 5))

    @property
    def lead_last_day(self) -> date:
        """The team lead waits for the Spring Festival bonus and leaves at the end of February."""
        year = self.contagion_year
        return weekday_on_or_before(date(year, 2, calendar.monthrange(year, 2)[1]))

    def months_ago(self, months: int, day: int) -> date:
        """A weekday about `months` months before today, on or just before day `day`."""
        return weekday_on_or_before(add_months(self.today.replace(day=1), -months).replace(day=day))
