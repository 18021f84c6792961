"""Clocks and the calendar protocol: the engine never reads the time by itself."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC now."""


def _system_now() -> datetime:
    return datetime.now(UTC)


_row_clock: Callable[[], datetime] = _system_now


def use(now: Callable[[], datetime]) -> None:
    """Stamp the engine's rows (defaults of deployed_at, created_at, updated_at) with `now`.

    The application hands its own clock over once at start; firing and timers always take
    the clock they are given.
    """
    global _row_clock
    _row_clock = now


def row_now() -> datetime:
    """Aware UTC now for the default of a timestamp column."""
    return _row_clock()


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
