"""Tests for app.law calendars and deadlines (Civil Code Art 201-203, LDMAL periods).

Holiday facts come from the State Council General Office notices on the holiday
arrangements for 2024, 2025 and 2026 (国务院办公厅关于…部分节假日安排的通知), as encoded
by the `holidays` package. No database, no app, no conftest fixtures.
"""
from __future__ import annotations

from datetime import date

import pytest

from app.law import (
    PERIODS,
    ChinaCalendar,
    FixedCalendar,
    UnknownCalendarYear,
    add_months,
    period_deadline,
    statutory_deadline,
    statutory_deadline_months,
)

CN = ChinaCalendar()


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # DOMAIN.md: nominal 2025-10-01 (National Day, holiday to 10-08) -> 10-09
        (date(2025, 9, 1), 30, date(2025, 10, 9)),
        # 2025 Spring Festival (01-28..02-04 off): nominal 01-29 -> 02-05
        (date(2025, 1, 14), 15, date(2025, 2, 5)),
        # 2025-01-26 is a Sunday make-up working day (调休上班): the deadline stays
        (date(2025, 1, 11), 15, date(2025, 1, 26)),
        # 2025-02-08 is a Saturday make-up working day
        (date(2025, 1, 24), 15, date(2025, 2, 8)),
        # 2024 National Day (10-01..10-07 off): nominal 10-02 -> 10-08
        (date(2024, 9, 2), 30, date(2024, 10, 8)),
        # 2024-09-29 is a Sunday make-up working day
        (date(2024, 9, 14), 15, date(2024, 9, 29)),
        # 2026 Spring Festival (02-15..02-23 off): nominal 02-15 -> 02-24
        (date(2026, 1, 31), 15, date(2026, 2, 24)),
        # 2026-02-28 is a Saturday make-up working day
        (date(2026, 2, 13), 15, date(2026, 2, 28)),
        # 2026 New Year (01-01..01-03 off), 01-04 is a Sunday make-up working day
        (date(2025, 12, 2), 30, date(2026, 1, 4)),
        # An ordinary weekend: Saturday 2025-03-08 -> Monday 03-10
        (date(2025, 3, 1), 7, date(2025, 3, 10)),
        # A working day stays
        (date(2025, 3, 3), 10, date(2025, 3, 13)),
    ],
)
def test_civil_code_art201_203_deadlines(start, days, expected):
    """Civil Code Art 201 (start day not counted) and Art 203 (holiday -> next working day)."""
    assert statutory_deadline(start, days) == expected


def test_zero_days_on_a_holiday_rolls_forward():
    """Art 203 applies to a zero-length period ending on a holiday too."""
    assert statutory_deadline(date(2025, 10, 1), 0) == date(2025, 10, 9)


def test_unknown_year_raises_readable_error():
    """A deadline in a year without an official notice raises, naming the year."""
    with pytest.raises(UnknownCalendarYear, match="No official holiday notice .* for 2027"):
        statutory_deadline(date(2026, 12, 20), 15)  # nominal 2027-01-04


def test_unknown_year_is_a_value_error():
    """UnknownCalendarYear subclasses ValueError so generic handlers catch it."""
    with pytest.raises(ValueError, match="2027"):
        CN.is_workday(date(2027, 3, 1))


def test_non_strict_calendar_estimates_unknown_years():
    """strict=False uses the package's estimate instead of raising."""
    assert ChinaCalendar(strict=False).is_workday(date(2027, 3, 1)) is True


def test_known_years_are_the_notice_years():
    """Known years: the State Council notices in the package (2001 on, contiguous)."""
    years = CN.known_years
    assert years[0] == 2001 and list(years) == list(range(2001, years[-1] + 1))
    assert CN.knows_year(2025) and CN.knows_year(2026)
    assert not CN.knows_year(2000) and not CN.knows_year(years[-1] + 1)


@pytest.mark.parametrize(
    ("day", "workday", "holiday"),
    [
        (date(2025, 10, 1), False, True),  # National Day
        (date(2025, 10, 8), False, True),  # day off in exchange (调休)
        (date(2025, 9, 28), True, False),  # Sunday make-up working day
        (date(2025, 10, 11), True, False),  # Saturday make-up working day
        (date(2025, 2, 3), False, True),  # Spring Festival exchange day
        (date(2025, 3, 8), False, False),  # plain Saturday
        (date(2025, 3, 10), True, False),  # plain Monday
        (date(2001, 12, 29), True, False),  # make-up day listed in the 2002 notice
    ],
)
def test_china_calendar_days(day, workday, holiday):
    """Holidays, 调休 exchange days and make-up working days from the notices."""
    assert CN.is_workday(day) is workday
    assert CN.is_holiday(day) is holiday


def test_business_day_arithmetic():
    """add_business_days skips holidays, counts make-up days; between is its inverse."""
    assert CN.next_workday(date(2025, 3, 10)) == date(2025, 3, 10)
    assert CN.add_business_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert CN.add_business_days(date(2025, 9, 26), 1) == date(2025, 9, 28)
    assert CN.add_business_days(date(2025, 9, 26), 0) == date(2025, 9, 26)
    start = date(2025, 1, 20)
    for n in (1, 5, 13, 40):
        end = CN.add_business_days(start, n)
        assert CN.business_days_between(start, end) == n
    assert CN.business_days_between(date(2025, 10, 9), date(2025, 9, 30)) == -1


def test_fixed_calendar():
    """FixedCalendar: weekends plus explicit holidays and make-up days."""
    cal = FixedCalendar(holidays={date(2030, 5, 1)}, workdays={date(2030, 5, 4)},
                        known_years=(2030,))
    assert statutory_deadline(date(2030, 4, 1), 30, cal) == date(2030, 5, 2)
    assert cal.is_workday(date(2030, 5, 4)) and not cal.is_workday(date(2030, 5, 5))
    with pytest.raises(UnknownCalendarYear, match="2031"):
        cal.is_workday(date(2031, 1, 1))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 8, 15), 5, date(2026, 1, 15)),
    ],
)
def test_add_months_corresponding_day(start, months, expected):
    """Civil Code Art 202: the corresponding day, or the month's last day."""
    assert add_months(start, months) == expected


def test_limitation_one_year_rolls_past_national_day():
    """LDMAL Art 27 one year, Civil Code Art 202-203: 2024-10-01 -> 2025-10-01 -> 10-09."""
    assert statutory_deadline_months(date(2024, 10, 1), 12) == date(2025, 10, 9)
    assert period_deadline("limitation", date(2024, 10, 1)) == date(2025, 10, 9)


@pytest.mark.parametrize(
    ("key", "start", "expected"),
    [
        ("mediation", date(2025, 1, 14), date(2025, 2, 5)),  # LDMAL Art 14, Spring Festival
        ("arbitration_acceptance", date(2025, 9, 26), date(2025, 10, 9)),  # LDMAL Art 29
        ("arbitration_award", date(2025, 8, 18), date(2025, 10, 9)),  # LDMAL Art 43
        ("sue_after_award", date(2024, 9, 14), date(2024, 9, 29)),  # LDMAL Art 48
        ("set_aside_award", date(2025, 3, 3), date(2025, 4, 2)),  # LDMAL Art 49
    ],
)
def test_ldmal_periods(key, start, expected):
    """LDMAL periods counted with Civil Code Art 201-203."""
    assert period_deadline(key, start) == expected
    assert PERIODS[key].article.startswith("LDMAL")


def test_negative_period_rejected():
    """A negative period is an input error."""
    with pytest.raises(ValueError, match=">= 0"):
        statutory_deadline(date(2025, 1, 1), -1)


def test_business_days_backwards_count_make_up_days():
    """Timers 'N working days before the last day' count back; the 2025-10-11 make-up Saturday counts."""
    calendar = ChinaCalendar()
    assert calendar.add_business_days(date(2025, 10, 13), -3) == date(2025, 10, 9)
    assert calendar.add_business_days(date(2025, 10, 13), -1) == date(2025, 10, 11)
