"""A generated company with a believable history, for tests, benchmarks and forecasts.

Bulk inserts through SQLAlchemy Core; deterministic for a seed. Departures peak after the
Spring Festival bonus (February-March) and in July, as the journal's collectors describe.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert

from app.modules.employees.models import (
    Assignment,
    Department,
    Employee,
    Grade,
    Position,
    Separation,
)

SEASON = (1.0, 1.6, 1.5, 1.0, 0.9, 0.9, 1.3, 1.0, 0.9, 0.9, 0.8, 0.8)  # by calendar month
REASONS = (("career", True), ("pay_benefits", True), ("workload", True), ("family", True),
           ("competition", True), ("management", True), ("performance", False),
           ("contract_end", False), ("misconduct", False))
CITIES = ("hohhot", "baotou", "beijing")


def generate_company(session, *, employees: int = 300, start: date = date(2020, 1, 1),
                     end: date = date(2024, 12, 31), departments: int = 6, seed: int = 7,
                     monthly_quit: float = 0.02, transfer_share: float = 0.05, prefix: str = "S") -> dict:
    """Insert a department tree, positions, grades and `employees` people with spells and
    separations between `start` and `end`; returns ids for the tests."""
    rng = random.Random(seed)
    depts = _departments(session, departments, prefix)
    leaves = [d for d in depts if d["leaf"]]
    positions = _simple(session, Position, [dict(code=f"{prefix}P{i}", name_zh=f"岗位{i}", name_en=f"Position {i}",
                                                 is_key=i == 0) for i in range(4)])
    grades = _simple(session, Grade, [dict(code=f"{prefix}G{i}", name=f"G{i}", rank=i) for i in range(3)])
    base_id = _next_id(session, Employee)
    days = (end - start).days
    emp_rows, spell_rows, sep_rows = [], [], []
    for n in range(employees):
        eid = base_id + n
        hire = start - timedelta(days=rng.randint(0, 1500)) if n < employees * 0.6 else \
            start + timedelta(days=rng.randint(0, days))
        dept = rng.choice(leaves)["id"]
        pos, grade, city = rng.choice(positions), rng.choice(grades), rng.choice(CITIES)
        emp_rows.append(dict(id=eid, employee_no=f"{prefix}{eid:07d}", name=f"员工{eid}", hire_date=hire,
                             department_id=dept, position_id=pos, grade_id=grade, city=city,
                             status="active", protections=[]))
        last = _departure(rng, max(hire, start), end, monthly_quit)
        cursor = hire
        if rng.random() < transfer_share:
            move = cursor + timedelta(days=rng.randint(30, 700))
            if move < (last or end):
                spell_rows.append(dict(employee_id=eid, department_id=dept, position_id=pos, grade_id=grade,
                                       city=city, start_date=cursor, end_date=move - timedelta(days=1),
                                       start_kind="hire", end_kind="transfer"))
                dept, cursor = rng.choice(leaves)["id"], move
        spell_rows.append(dict(employee_id=eid, department_id=dept, position_id=pos, grade_id=grade, city=city,
                               start_date=cursor, end_date=last, start_kind="hire" if cursor == hire else "transfer",
                               end_kind="departure" if last else None))
        if last:
            code, voluntary = rng.choice(REASONS)
            emp_rows[-1]["status"] = "left"
            sep_rows.append(dict(employee_id=eid, last_day=last, separation_type="voluntary_resignation"
                                 if voluntary else "dismissal", voluntary=voluntary,
                                 regrettable=voluntary and rng.random() < 0.3, reason_codes=[code],
                                 primary_reason=code, source="demo"))
    for model, rows in ((Employee, emp_rows), (Assignment, spell_rows), (Separation, sep_rows)):
        for i in range(0, len(rows), 5000):
            session.execute(insert(model), rows[i:i + 5000])
    _bump_sequence(session, Employee)
    session.flush()
    return {"departments": depts, "positions": positions, "grades": grades,
            "employees": len(emp_rows), "separations": len(sep_rows)}


def _departure(rng, begin: date, end: date, monthly_quit: float) -> date | None:
    """Walk month by month; leave with the seasonal probability; the last day is a month day."""
    day = begin
    while day <= end:
        if rng.random() < monthly_quit * SEASON[day.month - 1]:
            last = day + timedelta(days=rng.randint(0, 27))
            return last if last <= end else None
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return None


def _departments(session, count: int, prefix: str) -> list[dict]:
    """One root, `count` divisions under it, two teams under each division."""
    base = _next_id(session, Department)
    rows = [dict(id=base, code=f"{prefix}ROOT", name_zh="总部", name_en="Head office", parent_id=None,
                 path=f"/{base}/", leaf=False)]
    for i in range(count):
        div = base + 1 + i * 3
        rows.append(dict(id=div, code=f"{prefix}DIV{i}", name_zh=f"事业部{i}", name_en=f"Division {i}",
                         parent_id=base, path=f"/{base}/{div}/", leaf=False))
        for j in (1, 2):
            rows.append(dict(id=div + j, code=f"{prefix}DIV{i}T{j}", name_zh=f"事业部{i}组{j}",
                             name_en=f"Division {i} team {j}", parent_id=div,
                             path=f"/{base}/{div}/{div + j}/", leaf=True))
    session.execute(insert(Department), [{k: v for k, v in r.items() if k != "leaf"} for r in rows])
    _bump_sequence(session, Department)
    return rows


def _simple(session, model, rows: list[dict]) -> list[int]:
    base = _next_id(session, model)
    for i, row in enumerate(rows):
        row["id"] = base + i
    session.execute(insert(model), rows)
    _bump_sequence(session, model)
    return [r["id"] for r in rows]


def _next_id(session, model) -> int:
    from sqlalchemy import func, select

    return (session.scalar(select(func.max(model.id))) or 0) + 1


def _bump_sequence(session, model) -> None:
    """PostgreSQL: move the id sequence past explicitly inserted ids."""
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        table = model.__tablename__
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                             f"(SELECT MAX(id) FROM {table}))"))  # table names of our own models


def bump_all_sequences(session) -> None:
    """Call after generate_company on PostgreSQL so later ORM inserts get fresh ids."""
    for model in (Department, Position, Grade, Employee):
        _bump_sequence(session, model)
