"""Turnover formulas on plain numbers; no database, no Flask.

Sources (cited next to each formula):
- SHRM, "How to determine turnover rates" (average-headcount method): monthly rate =
  separations / average headcount, average = (start + end) / 2; the annual rate is the
  sum of the twelve monthly rates. DOMAIN.md example: 30 at start, 40 at end, 5 leavers
  -> 5 / 35 = 14.3 %.
- Common Chinese practice (e.g. 人力资源管理师 textbooks, 离职率 = 离职人数 / (离职人数 +
  期末人数)): leavers / (leavers + headcount at end). It equals leavers / (start + hires)
  when headcount changes only through hires and leavers (start + hires - leavers = end).
- New-hire turnover (DOMAIN.md): leavers hired within the period / hires in the period.
"""
from __future__ import annotations

from dataclasses import dataclass

AVERAGE_HEADCOUNT = "average_headcount"
LEAVERS_PLUS_END = "leavers_plus_end"
FORMULAS = (AVERAGE_HEADCOUNT, LEAVERS_PLUS_END)


@dataclass(frozen=True)
class Formula:
    code: str
    expression: str  # printed on every chart and export
    source: str


FORMULA_INFO = {
    AVERAGE_HEADCOUNT: Formula(
        AVERAGE_HEADCOUNT, "leavers / ((headcount_start + headcount_end) / 2)",
        "SHRM average-headcount method"),
    LEAVERS_PLUS_END: Formula(
        LEAVERS_PLUS_END, "leavers / (leavers + headcount_end)",
        "Chinese practice: 离职人数 / (离职人数 + 期末人数)"),
}


def average_headcount_rate(leavers: int, start: int, end: int) -> float | None:
    """SHRM: leavers / average headcount; None when nobody was employed."""
    average = (start + end) / 2
    if average <= 0:
        return None if leavers == 0 else float("inf")
    return leavers / average


def leavers_plus_end_rate(leavers: int, end: int) -> float | None:
    """Chinese practice: leavers / (leavers + headcount at end), always within [0, 1]."""
    denominator = leavers + end
    return None if denominator <= 0 else leavers / denominator


def turnover_rate(formula: str, leavers: int, start: int, end: int) -> float | None:
    """The rate for the named formula."""
    if formula == AVERAGE_HEADCOUNT:
        return average_headcount_rate(leavers, start, end)
    if formula == LEAVERS_PLUS_END:
        return leavers_plus_end_rate(leavers, end)
    raise ValueError(f"unknown formula {formula!r}; choose one of {', '.join(FORMULAS)}")


def annual_from_monthly(monthly_rates: list[float | None]) -> float | None:
    """SHRM: the annual rate is the sum of the monthly rates (missing months count as 0)."""
    known = [r for r in monthly_rates if r is not None]
    return sum(known) if known else None


def new_hire_turnover(new_hire_leavers: int, hires: int) -> float | None:
    """Leavers hired within the period / hires in the period (DOMAIN.md)."""
    return None if hires <= 0 else new_hire_leavers / hires


def retention_rate(start: int, start_cohort_leavers: int) -> float | None:
    """Share of the people employed on the first day who have not left by the end."""
    return None if start <= 0 else (start - start_cohort_leavers) / start


def share(part: int, whole: int) -> float | None:
    """part / whole, or None for an empty whole."""
    return None if whole <= 0 else part / whole
