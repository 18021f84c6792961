"""Compare two periods: rates, reason mix, satisfaction, offboarding time, overdue handovers.

Figures whose source does not exist yet (satisfaction surveys, handover due dates) are
None, and the page says "no data" rather than showing a zero.
"""
from __future__ import annotations

import statistics
from collections import Counter

from sqlalchemy import select

from app.db import db
from app.modules.analytics import queries
from app.modules.analytics.departures import departures_between
from app.modules.analytics.periods import first_day, last_day
from app.modules.analytics.reasons import primary_reasons, reason_group


def period_summary(first: int, last: int, formula: str, department_id: int | None = None,
                   session=None) -> dict:
    """One period's company (or department subtree) figures."""
    session = session or db.session
    table = queries.turnover_table(session, first=first, last=last, group_by="company",
                                   period="year" if last - first >= 11 else "month",
                                   department_id=department_id)
    cells = [table.cells[k] for k in table.cells]
    leavers = sum(c.leavers for c in cells)
    voluntary = sum(c.voluntary for c in cells)
    start = cells[0].headcount_start if cells else 0
    end = cells[-1].headcount_end if cells else 0
    prefix = queries._department_prefix(session, department_id)
    departures = departures_between(first_day(first), last_day(last), prefix=prefix, session=session)
    mix = Counter(reason_group(code) for code, _ in primary_reasons(departures).values())
    return {
        "headcount_start": start, "headcount_end": end, "leavers": leavers, "voluntary": voluntary,
        "rate": queries.rates.turnover_rate(formula, leavers, start, end),
        "reason_mix": {k: v / len(departures) for k, v in mix.items()} if departures else {},
        "satisfaction": survey_satisfaction(first, last),
        "offboarding_days": offboarding_days(first, last, session),
        "overdue_handovers": overdue_handovers(first, last),
    }


def survey_satisfaction(first: int, last: int) -> float | None:
    """Average overall exit-survey satisfaction; None under 5 responses, or when the period
    splits a block of months pooled for anonymity (see survey.satisfaction_between)."""
    from app.modules.interviews.survey import satisfaction_between

    return satisfaction_between(first, last)


def survey_k() -> int:
    """The fewest responses a satisfaction figure may rest on."""
    from app.modules.interviews.survey import K_MIN

    return K_MIN


def overdue_handovers(first: int, last: int) -> int | None:
    """Handover items signed after their due date; items carry no due date yet."""
    return None


def offboarding_days(first: int, last: int, session=None) -> float | None:
    """Median days from opening a case to its archive event, for cases archived in the period."""
    from app.engine.models import AuditEvent
    from app.modules.cases.models import Case

    session = session or db.session
    lo, hi = first_day(first), last_day(last)
    opened = dict(session.execute(select(Case.instance_id, Case.created_at)
                                  .where(Case.instance_id.is_not(None))).all())
    if not opened:
        return None
    events = session.execute(select(AuditEvent.instance_id, AuditEvent.created_at, AuditEvent.to_states)
                             .where(AuditEvent.instance_id.in_(list(opened)))
                             .order_by(AuditEvent.id)).all()
    days = []
    for instance_id, at, to_states in events:
        if "archived" in (to_states or []) and lo <= at.date() <= hi:
            days.append((at - _aware_like(opened[instance_id], at)).total_seconds() / 86400)
    return round(statistics.median(days), 1) if days else None


def _aware_like(moment, other):
    if moment.tzinfo is None and other.tzinfo is not None:
        return moment.replace(tzinfo=other.tzinfo)
    if moment.tzinfo is not None and other.tzinfo is None:
        return moment.replace(tzinfo=None)
    return moment


def compare_periods(a: tuple[int, int], b: tuple[int, int], formula: str, department_id: int | None = None,
                    session=None) -> dict:
    """Both periods' summaries side by side."""
    return {"a": period_summary(*a, formula, department_id, session),
            "b": period_summary(*b, formula, department_id, session)}
