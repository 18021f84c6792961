"""Clocks and the calendar protocol: the engine never reads the time by itself."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""


class Calendar(Protocol):
    """The subset of app.law.calendar.ChinaCalendar the engine uses."""

    def is_workday(self, d: date) -> bool: ...

    def add_business_days(self, d: date, n: int) -> date: ...


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> datetime:
        """Aware UTC now."""
        return datetime.now(UTC)


class FixedClock:
    """A clock for tests: stands still until advanced."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        """The frozen instant."""
        return self.at

    def advance(self, **kwargs) -> datetime:
        """Move forward by a timedelta given as keyword arguments."""
        self.at += timedelta(**kwargs)
        return self.at


class WeekdayCalendar:
    """Monday to Friday are workdays; a stand-in for tests and the bench."""

    def __init__(self, holidays: frozenset[date] = frozenset()) -> None:
        self.holidays = holidays

    def is_workday(self, d: date) -> bool:
        """True from Monday to Friday unless listed as a holiday."""
        return d.weekday() < 5 and d not in self.holidays

    def add_business_days(self, d: date, n: int) -> date:
        """Move n workdays forward (or back when n is negative)."""
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        while remaining:
            d += timedelta(days=step)
            if self.is_workday(d):
                remaining -= 1
        return d
