"""Monthly headcount and leavers per group, from employment history, in a few set-based queries.

Definitions (docs/decisions/0004-analytics.md):
- A spell is an Assignment. Its effective last day ("stop") is the earliest Separation
  last_day that falls inside it, else its end_date (inclusive), else open.
- headcount on day D: spells with start_date <= D and (stop is null or stop >= D).
- headcount_start of a period: headcount on its first day.
- headcount_end of a period: headcount on its last day minus the people whose last working
  day it is (they are leavers), so leavers + headcount_end never counts a person twice.
- leavers of a period: separations with last_day in it, in the group of the spell covering
  that day.

One query reads every spell once and returns counts grouped by (group, start month, stop
month, flags); the monthly figures are cumulative sums of those counts, done here.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, bindparam, select, text

from app.db import db, is_sqlite
from app.modules.analytics import rates
from app.modules.analytics.periods import (
    Period,
    first_day,
    last_day,
    month_index,
    parse_month,
    split_periods,
)
from app.modules.employees.models import Department, Grade, Position

GROUP_BY = ("department", "position", "grade", "city", "tenure", "company")
_GROUP_EXPR = {"department": "a.department_id", "position": "a.position_id",
               "grade": "a.grade_id", "city": "a.city", "company": "0", "tenure": "0"}
# Tenure bands in months since the hire date: [from, to).
TENURE_BANDS = ((0, 3, "<3m"), (3, 12, "3-12m"), (12, 36, "1-3y"), (36, 60, "3-5y"), (60, None, "5y+"))


@dataclass
class Cell:
    """Figures for one group in one period."""

    headcount_start: int = 0
    headcount_end: int = 0
    leavers: int = 0
    voluntary: int = 0
    regrettable: int = 0
    hires: int = 0
    new_hire_leavers: int = 0
    start_cohort_leavers: int = 0

    @property
    def involuntary(self) -> int:
        return self.leavers - self.voluntary

    def rate(self, formula: str) -> float | None:
        return rates.turnover_rate(formula, self.leavers, self.headcount_start, self.headcount_end)


@dataclass
class Table:
    """Cells by (group key, period label), the periods in order and the group labels."""

    group_by: str
    periods: list[Period]
    labels: dict = field(default_factory=dict)
    cells: dict = field(default_factory=dict)

    def groups(self) -> list:
        return list(self.labels)


# ----------------------------------------------------------------------------- SQL pieces

def _sql_month(col: str, sqlite: bool) -> str:
    if sqlite:
        return f"(CAST(substr({col}, 1, 4) AS INTEGER) * 12 + CAST(substr({col}, 6, 2) AS INTEGER) - 1)"
    return f"(CAST(EXTRACT(YEAR FROM {col}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {col}) AS INTEGER) - 1)"


def _sql_is_first(col: str, sqlite: bool) -> str:
    day = f"substr({col}, 9, 2) = '01'" if sqlite else f"EXTRACT(DAY FROM {col}) = 1"
    return f"(CASE WHEN {day} THEN 1 ELSE 0 END)"


def _sql_is_month_end(col: str, sqlite: bool) -> str:
    nxt = f"substr(date({col}, '+1 day'), 9, 2) = '01'" if sqlite else f"EXTRACT(DAY FROM {col} + 1) = 1"
    return f"(CASE WHEN {col} IS NULL THEN NULL WHEN {nxt} THEN 1 ELSE 0 END)"


def spell_sql(group_expr: str, department_filter: bool, extra_columns: str = "") -> str:
    """Each spell once, with its group, effective stop and separation flags."""
    group_key = "" if group_expr.isdigit() else f"{group_expr}, "
    where_dept = ("AND a.department_id IN (SELECT d.id FROM departments d WHERE d.path LIKE :prefix)"
                  if department_filter else "")
    # Only fixed fragments are interpolated (column names from _GROUP_EXPR); values are bound.
    return f"""
        SELECT a.id AS id, {group_expr} AS grp, a.start_date AS start_date{extra_columns},
               CASE WHEN a.start_kind = 'transfer' THEN 0 ELSE 1 END AS is_hire,
               COALESCE(MIN(s.last_day), a.end_date) AS stop,
               CASE WHEN COUNT(s.id) > 0 THEN 1 ELSE 0 END AS departed,
               MAX(CASE WHEN s.voluntary THEN 1 ELSE 0 END) AS vol,
               MAX(CASE WHEN s.regrettable THEN 1 ELSE 0 END) AS regret
        FROM assignments a
        LEFT JOIN separations s ON s.employee_id = a.employee_id AND s.last_day >= a.start_date
             AND (a.end_date IS NULL OR s.last_day <= a.end_date)
        WHERE a.start_date <= :hi AND (a.end_date IS NULL OR a.end_date >= :lo) {where_dept}
        GROUP BY a.id, {group_key}a.start_date, a.start_kind, a.end_date{extra_columns}
    """  # noqa: S608


def _params(lo: date, hi: date, prefix: str | None) -> tuple[list, dict]:
    binds = [bindparam("lo", type_=Date), bindparam("hi", type_=Date)]
    params = {"lo": lo, "hi": hi}
    if prefix is not None:
        params["prefix"] = prefix + "%"
    return binds, params


def bucket_rows(session, group_by: str, lo: date, hi: date, prefix: str | None = None) -> list[tuple]:
    """(grp, start month, starts on the 1st, stop month, stops at month end, departed, is_hire,
    voluntary, regrettable, n) for every spell overlapping [lo, hi]."""
    sqlite = is_sqlite(session)
    inner = spell_sql(_GROUP_EXPR[group_by], prefix is not None)
    sql = f"""
        WITH sp AS ({inner})
        SELECT grp, {_sql_month('start_date', sqlite)} AS ms, {_sql_is_first('start_date', sqlite)} AS sf,
               {_sql_month('stop', sqlite)} AS me, {_sql_is_month_end('stop', sqlite)} AS el,
               departed, is_hire, vol, regret, COUNT(*) AS n
        FROM sp GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    """  # noqa: S608
    binds, params = _params(lo, hi, prefix)
    return [tuple(r) for r in session.execute(text(sql).bindparams(*binds), params)]


# ------------------------------------------------------------------------- assembling

def _fold(rows, periods: list[Period], ancestors=None) -> dict:
    """Cumulative sums of the bucketed spells: {(grp, period label): Cell}."""
    m0, m1 = periods[0].first, periods[-1].last
    size = m1 - m0 + 2
    hs: dict = defaultdict(lambda: [0] * size)
    he: dict = defaultdict(lambda: [0] * size)
    leaving: list = []
    hires: dict = defaultdict(int)

    def add(arr, key, n):
        arr[min(max(key - m0, 0), size - 1)] += n

    for grp, ms, sf, me, el, dep, is_hire, vol, regret, n in rows:
        for g in (ancestors(grp) if ancestors else (grp,)):
            add(hs[g], ms + (0 if sf else 1), n)
            add(he[g], ms, n)
            if me is not None:
                add(hs[g], me + 1, -n)
                add(he[g], me if dep else me + el, -n)
                if dep and m0 <= me <= m1:
                    leaving.append((g, me, ms + (0 if sf else 1), ms, is_hire, vol, regret, n))
            if is_hire and m0 <= ms <= m1:
                hires[g, ms] += n
    return _cells(hs, he, leaving, hires, periods, m0)


def _cells(hs, he, leaving, hires, periods, m0) -> dict:
    cells: dict = {}
    for g in hs:
        run_s = _cumulative(hs[g])
        run_e = _cumulative(he[g])
        for p in periods:
            cells[g, p.label] = Cell(headcount_start=run_s[p.first - m0], headcount_end=run_e[p.last - m0])
    by_month = {m: p for p in periods for m in range(p.first, p.last + 1)}
    for g, me, present_from, ms, is_hire, vol, regret, n in leaving:
        p = by_month[me]
        cell = cells[g, p.label]
        cell.leavers += n
        cell.voluntary += vol * n
        cell.regrettable += regret * n
        if present_from <= p.first:
            cell.start_cohort_leavers += n
        if is_hire and p.first <= ms <= p.last:
            cell.new_hire_leavers += n
    for (g, ms), n in hires.items():
        cells[g, by_month[ms].label].hires += n
    return cells


def _cumulative(values: list[int]) -> list[int]:
    out, total = [], 0
    for v in values:
        total += v
        out.append(total)
    return out


# ----------------------------------------------------------------------------- public

def turnover_table(session=None, *, first: int, last: int, group_by: str = "department",
                   period: str = "month", department_id: int | None = None,
                   locale: str = "zh_CN") -> Table:
    """Headcount, leavers, hires ... per group and period, for months first..last."""
    session = session or db.session
    if group_by not in GROUP_BY:
        raise ValueError(f"unknown grouping {group_by!r}; choose one of {', '.join(GROUP_BY)}")
    periods = split_periods(first, last, period)
    prefix = _department_prefix(session, department_id)
    lo, hi = first_day(first), last_day(last)
    if group_by == "tenure":
        rows = tenure_rows(session, lo, hi, prefix)
    else:
        rows = bucket_rows(session, group_by, lo, hi, prefix)
    ancestors = _ancestor_map(session, prefix) if group_by == "department" else None
    cells = _fold(rows, periods, ancestors)
    table = Table(group_by, periods, cells=cells)
    table.labels = group_labels(session, group_by, {g for g, _ in cells}, locale)
    return table


def _department_prefix(session, department_id: int | None) -> str | None:
    if department_id is None:
        return None
    path = session.scalar(select(Department.path).where(Department.id == department_id))
    if path is None:
        raise LookupError(f"no department with id {department_id}")
    return path


def _ancestor_map(session, prefix: str | None):
    """grp -> the department and every ancestor (within the filtered subtree)."""
    paths = dict(session.execute(select(Department.id, Department.path)).all())
    cache: dict = {}

    def ancestors(dept_id):
        if dept_id not in cache:
            ids = [int(x) for x in (paths.get(dept_id) or f"/{dept_id}/").strip("/").split("/") if x]
            if prefix is not None:
                ids = [i for i in ids if (paths.get(i) or "").startswith(prefix)]
            cache[dept_id] = ids or [dept_id]
        return cache[dept_id]
    return ancestors


def group_labels(session, group_by: str, keys: set, locale: str) -> dict:
    """{key: label} in a stable order (department path, code, band order)."""
    if group_by == "department":
        rows = session.execute(select(Department.id, Department.code, Department.path)
                               .where(Department.id.in_(keys)).order_by(Department.path)).all()
        return {r.id: r.code for r in rows}
    if group_by in ("position", "grade"):
        model = Position if group_by == "position" else Grade
        rows = session.execute(select(model.id, model.code).where(model.id.in_(keys)).order_by(model.code)).all()
        labels = {r.id: r.code for r in rows}
        if None in keys:
            labels[None] = "-"
        return labels
    if group_by == "tenure":
        return {band: band for _, _, band in TENURE_BANDS if band in keys}
    if group_by == "company":
        return {0: "company"}
    return {k: (k or "-") for k in sorted(keys, key=lambda k: k or "")}


def tenure_rows(session, lo: date, hi: date, prefix: str | None) -> list[tuple]:
    """Spells cut into tenure-band pieces, as bucket rows (tenure moves with the calendar)."""
    inner = spell_sql("0", prefix is not None, ", e.hire_date")
    inner = inner.replace("FROM assignments a", "FROM assignments a JOIN employees e ON e.id = a.employee_id")
    binds, params = _params(lo, hi, prefix)
    rows = session.execute(text(inner).bindparams(*binds), params).mappings().all()
    out = []
    for r in rows:
        out.extend(_tenure_pieces(_as_date(r["start_date"]), _as_date(r["stop"]), _as_date(r["hire_date"]),
                                  r["is_hire"], r["departed"], r["vol"], r["regret"]))
    return out


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _tenure_pieces(start, stop, hire, is_hire, departed, vol, regret):
    for low, high, band in TENURE_BANDS:
        band_start = hire + relativedelta(months=low)
        band_stop = hire + relativedelta(months=high) - relativedelta(days=1) if high else None
        a = max(start, band_start)
        b = stop if band_stop is None else (band_stop if stop is None else min(stop, band_stop))
        if b is not None and b < a:
            continue
        final = b == stop
        me = month_index(b) if b is not None else None
        el = int((b + relativedelta(days=1)).day == 1) if b is not None else None
        yield (band, month_index(a), int(a.day == 1), me, el, int(departed and final),
               int(is_hire and a == start), vol if final else 0, regret if final else 0, 1)


def headcount_on(day: date, *, department_id: int | None = None, session=None) -> int:
    """People employed on `day` (in the department's subtree when given)."""
    session = session or db.session
    prefix = _department_prefix(session, department_id)
    inner = spell_sql("0", prefix is not None)
    sql = f"WITH sp AS ({inner}) SELECT COUNT(*) FROM sp WHERE stop IS NULL OR stop >= :day"  # noqa: S608
    binds, params = _params(day, day, prefix)
    params["day"] = day
    return int(session.execute(text(sql).bindparams(*binds, bindparam("day", type_=Date)), params).scalar())


# ------------------------------------------------------------------------ row output

ROW_KEYS = ("period", "group", "headcount_start", "headcount_end", "leavers", "rate")


def turnover_rows(*, start: str, end: str, group_by: str, formula: str, period: str = "month",
                  department_id: int | None = None, session=None) -> list[dict]:
    """The rows the CLI prints and the API returns: {period, group, headcount_start,
    headcount_end, leavers, rate} with the rate as a fraction (None when undefined)."""
    if formula not in rates.FORMULAS:
        raise ValueError(f"unknown formula {formula!r}; choose one of {', '.join(rates.FORMULAS)}")
    table = turnover_table(session, first=parse_month(start), last=parse_month(end), group_by=group_by,
                           period=period, department_id=department_id)
    return table_rows(table, formula)


def table_rows(table: Table, formula: str) -> list[dict]:
    rows = []
    for p in table.periods:
        for key, label in table.labels.items():
            cell = table.cells.get((key, p.label))
            if cell is None or not (cell.headcount_start or cell.headcount_end or cell.leavers):
                continue
            rate = cell.rate(formula)
            rows.append({"period": p.label, "group": label, "headcount_start": cell.headcount_start,
                         "headcount_end": cell.headcount_end, "leavers": cell.leavers,
                         "rate": None if rate is None else round(rate, 6)})
    return rows
