"""The application's only reader of the system clock: one "now" and one "today in China".

Every other module asks here. Stored instants are aware UTC; the date a person means
("today", a last working day, a notice date) is the calendar day in China. Tests (and the
time-travel script, through `faketime`) move time for the whole app by moving this clock.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, date, datetime

from app.engine.clock import FixedClock
from app.engine.timing import CHINA_TZ

__all__ = ["CHINA_TZ", "AppClock", "china_time", "now", "today", "travel", "utc"]

_fixed: list[FixedClock] = []  # a stack: the innermost `travel` wins


def now() -> datetime:
    """The current instant, aware, in UTC."""
    if _fixed:
        return _fixed[-1].now()
    return datetime.now(UTC)


def today() -> date:
    """Today's date in China (Asia/Shanghai), whatever the server's own zone is."""
    return now().astimezone(CHINA_TZ).date()


def utc(value: datetime | None) -> datetime | None:
    """An aware UTC instant from a stored one (SQLite gives naive UTC back)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def china_time(value: datetime | None) -> datetime | None:
    """A stored instant as China local time, for a person to read."""
    value = utc(value)
    return value.astimezone(CHINA_TZ) if value is not None else None


class AppClock:
    """The engine's Clock protocol backed by `now()`, so engine calls follow `travel`."""

    def now(self) -> datetime:
        """The application's current instant."""
        return now()


@contextlib.contextmanager
def travel(to: datetime | FixedClock) -> Iterator[FixedClock]:
    """Tests: freeze the application's clock at `to` (advance the yielded clock to move it)."""
    clock = to if isinstance(to, FixedClock) else FixedClock(to)
    _fixed.append(clock)
    try:
        yield clock
    finally:
        _fixed.remove(clock)
