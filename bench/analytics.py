"""Monthly turnover by department for five years of a generated company: Sendoff's queries
against one hand-written SQL query computing the same numbers, on SQLite and PostgreSQL.

    python -m bench analytics [--quick] [--employees N] [--repeat N]

Prints one JSON object per line: {bench, case, value, unit[, baseline, ratio]}. PostgreSQL
runs when SENDOFF_TEST_DATABASE_URL is set (in a scratch schema dropped afterwards).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import Date, bindparam, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.db import make_engine, normalize_url  # noqa: E402
from app.models import load_all_models  # noqa: E402
from app.modules.analytics import queries  # noqa: E402
from app.modules.analytics.periods import month_label, parse_month  # noqa: E402
from app.modules.analytics.synthetic import generate_company  # noqa: E402

FIRST, LAST = "2020-01", "2024-12"
BENCH = "analytics"

_SPELLS = """
    spell AS (
        SELECT a.id, a.department_id, a.start_date,
               COALESCE(MIN(s.last_day), a.end_date) AS stop,
               CASE WHEN COUNT(s.id) > 0 THEN 1 ELSE 0 END AS departed
        FROM assignments a
        LEFT JOIN separations s ON s.employee_id = a.employee_id AND s.last_day >= a.start_date
             AND (a.end_date IS NULL OR s.last_day <= a.end_date)
        GROUP BY a.id, a.department_id, a.start_date, a.end_date),
    rolled AS (
        SELECT d.id AS dept_id, sp.start_date, sp.stop, sp.departed
        FROM spell sp JOIN departments c ON c.id = sp.department_id
        JOIN departments d ON c.path LIKE d.path || '%')
"""
_MONTHS = {
    "sqlite": """
    months(first_day) AS (
        SELECT date(:lo) UNION ALL
        SELECT date(first_day, '+1 month') FROM months WHERE first_day < date(:hi, 'start of month')),
    bounds AS (SELECT first_day, date(first_day, '+1 month', '-1 day') AS last_day FROM months),
""",
    "postgresql": """
    bounds AS (
        SELECT g::date AS first_day, (g + interval '1 month' - interval '1 day')::date AS last_day
        FROM generate_series(CAST(:lo AS date), CAST(:hi AS date), interval '1 month') AS g),
""",
}
_BODY = """
SELECT r.dept_id, b.first_day,
    SUM(CASE WHEN r.start_date <= b.first_day AND (r.stop IS NULL OR r.stop >= b.first_day)
             THEN 1 ELSE 0 END) AS headcount_start,
    SUM(CASE WHEN r.stop IS NULL OR r.stop > b.last_day OR (r.stop = b.last_day AND r.departed = 0)
             THEN 1 ELSE 0 END) AS headcount_end,
    SUM(CASE WHEN r.departed = 1 AND r.stop <= b.last_day THEN 1 ELSE 0 END) AS leavers
FROM rolled r JOIN bounds b ON r.start_date <= b.last_day AND (r.stop IS NULL OR r.stop >= b.first_day)
GROUP BY r.dept_id, b.first_day
"""


def hand_written_sql(dialect: str) -> str:
    """The baseline: one query, spells joined to a month grid, departments rolled up by path."""
    recursive = "RECURSIVE " if dialect == "sqlite" else ""
    return f"WITH {recursive}{_MONTHS[dialect]}{_SPELLS}{_BODY}"


def run_hand_written(session: Session) -> dict:
    dialect = session.get_bind().dialect.name
    sql = text(hand_written_sql(dialect)).bindparams(bindparam("lo", type_=Date), bindparam("hi", type_=Date))
    out = {}
    for dept_id, first_day, hs, he, leavers in session.execute(
            sql, {"lo": date(2020, 1, 1), "hi": date(2024, 12, 1)}):
        month = str(first_day)[:7]
        if hs or he or leavers:
            out[dept_id, month] = (int(hs), int(he), int(leavers))
    return out


def run_sendoff(session: Session) -> dict:
    table = queries.turnover_table(session, first=parse_month(FIRST), last=parse_month(LAST),
                                   group_by="department", period="month")
    return {(k, p): (c.headcount_start, c.headcount_end, c.leavers) for (k, p), c in table.cells.items()
            if c.headcount_start or c.headcount_end or c.leavers}


def _best(fn, session, repeat: int) -> tuple[float, dict]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(session)
        best = min(best, time.perf_counter() - start)
    return best, result


def _emit(case: str, value: float, unit: str, baseline: float | None = None) -> None:
    row = {"bench": BENCH, "case": case, "value": round(value, 4), "unit": unit}
    if baseline is not None:
        row.update(baseline=round(baseline, 4), ratio=round(value / baseline, 4) if baseline else None)
    print(json.dumps(row), flush=True)


def bench_database(name: str, url: str, engine_kwargs: dict, employees: int, repeat: int) -> bool:
    engine = make_engine(url, **engine_kwargs)
    metadata = load_all_models()
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with Session(engine) as session:
        start = time.perf_counter()
        info = generate_company(session, employees=employees, start=date(2020, 1, 1), end=date(2024, 12, 31),
                                departments=12, seed=2024, prefix="B")
        session.commit()
        for table in ("departments", "employees", "assignments", "separations"):
            session.execute(text(f"ANALYZE {table}"))
        session.commit()
        _emit(f"{name}/generate_{employees}_employees", time.perf_counter() - start, "s")
        _emit(f"{name}/separations", info["separations"], "rows")
        ours, ours_rows = _best(run_sendoff, session, repeat)
        theirs, their_rows = _best(run_hand_written, session, repeat)
    engine.dispose()
    months = {month_label(parse_month(FIRST) + i) for i in range(60)}
    equal = ours_rows == {k: v for k, v in their_rows.items() if k[1] in months}
    _emit(f"{name}/monthly_rates_by_department_5y", ours, "s", baseline=theirs)
    _emit(f"{name}/numbers_equal", 1.0 if equal else 0.0, "bool")
    _emit(f"{name}/cells", len(ours_rows), "rows")
    return equal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench analytics")
    parser.add_argument("--quick", action="store_true", help="10,000 employees, one run (under 60 s)")
    parser.add_argument("--employees", type=int)
    parser.add_argument("--repeat", type=int)
    args = parser.parse_args(argv)
    employees = args.employees or (10_000 if args.quick else 100_000)
    repeat = args.repeat or (1 if args.quick else 3)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok &= bench_database("sqlite", f"sqlite:///{folder}/bench.db", {}, employees, repeat)
    pg = os.environ.get("SENDOFF_TEST_DATABASE_URL")
    if pg:
        url = normalize_url(pg)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            ok &= bench_database("postgresql", url, {"connect_args": {"options": f"-csearch_path={schema}"}},
                                 employees, repeat)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
