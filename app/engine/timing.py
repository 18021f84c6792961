"""Due times of timers: ISO durations, business days and dates at China local time."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

from app.engine.definition import Timer

# China has one time zone and no daylight saving: a fixed offset is exact.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
DEFAULT_AT_TIME = time(9, 0)
_DURATION = re.compile(r"^(-)?P(-)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


def parse_duration(text: str) -> tuple[int, int, timedelta]:
    """(sign, days, time part) of an ISO duration such as P2D, P1W, PT4H or -P3D."""
    match = _DURATION.match(text)
    if not match or text in ("P", "-P"):
        raise ValueError(f"not an ISO duration: {text!r}")
    minus_outer, minus_inner, weeks, days, hours, minutes = match.groups()
    sign = -1 if (minus_outer or minus_inner) else 1
    total_days = int(weeks or 0) * 7 + int(days or 0)
    return sign, total_days, timedelta(hours=int(hours or 0), minutes=int(minutes or 0))


def add_duration(start: datetime, text: str, business: bool, calendar) -> datetime:
    """`start` moved by an ISO duration; with `business`, days are Chinese workdays."""
    sign, days, rest = parse_duration(text)
    local = start.astimezone(CHINA_TZ)
    if business:
        day = calendar.add_business_days(local.date(), sign * days)
    else:
        day = local.date() + timedelta(days=sign * days)
    moved = datetime.combine(day, local.timetz()) + sign * rest
    return moved.astimezone(UTC)


def due_at(timer: Timer, now: datetime, calendar,
           resolve_date: Callable[[str], date | None]) -> datetime | None:
    """When a timer armed at `now` is due; None when its anchor date is unknown."""
    if timer.after:
        return add_duration(now, timer.after, timer.business, calendar)
    anchor = resolve_date(timer.at_date)
    if anchor is None:
        return None
    at_time = time.fromisoformat(timer.at_time) if timer.at_time else DEFAULT_AT_TIME
    base = datetime.combine(anchor, at_time, CHINA_TZ)
    if timer.at_offset:
        return add_duration(base, timer.at_offset, timer.business, calendar)
    return base.astimezone(UTC)


def next_repeat(timer: Timer, previous_due: datetime, calendar) -> datetime:
    """The next due time of a repeating timer."""
    return add_duration(previous_due, timer.repeat_every, timer.business, calendar)
