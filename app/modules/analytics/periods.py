"""Months as integers (year * 12 + month - 1) and the periods built from them."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from app.params import MAX_DATE, MIN_DATE

PERIODS = ("month", "quarter", "year")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")
YEARS = (MIN_DATE.year, MAX_DATE.year)


class PeriodError(ValueError):
    """A month or period that cannot be read; the message is shown to the user."""


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def parse_month(text: str) -> int:
    """"2024-03" -> month index; PeriodError for anything else."""
    match = _MONTH.match((text or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(f"{text!r} is not a month written YYYY-MM")
    if not YEARS[0] <= int(match.group(1)) <= YEARS[1]:
        raise PeriodError(f"{text!r} is not between {YEARS[0]} and {YEARS[1]}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def first_day(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def last_day(index: int) -> date:
    year, month = index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class Period:
    label: str
    first: int  # first month index
    last: int  # last month index

    @property
    def start(self) -> date:
        return first_day(self.first)

    @property
    def end(self) -> date:
        return last_day(self.last)


def split_periods(first: int, last: int, kind: str = "month") -> list[Period]:
    """Cut [first, last] into calendar months, quarters or years (edges clipped to the range)."""
    if kind not in PERIODS:
        raise PeriodError(f"unknown period {kind!r}; choose one of {', '.join(PERIODS)}")
    if last < first:
        raise PeriodError("the end month is before the start month")
    periods: list[Period] = []
    index = first
    while index <= last:
        year, month0 = divmod(index, 12)
        if kind == "month":
            label, stop = month_label(index), index
        elif kind == "quarter":
            label, stop = f"{year}-Q{month0 // 3 + 1}", year * 12 + (month0 // 3) * 3 + 2
        else:
            label, stop = str(year), year * 12 + 11
        stop = min(stop, last)
        periods.append(Period(label, index, stop))
        index = stop + 1
    return periods
