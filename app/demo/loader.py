"""Write the demo company: organisation, people (through the employee operations), wages
and logins. Idempotent: what exists (by code, employee_no or username) is kept; anything
missing is added, so a second run changes nothing and an interrupted one is topped up.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.clock import china_time
from app.clock import today as china_today
from app.demo import company
from app.demo.dates import DemoDates
from app.demo.history import Person, simulate
from app.modules.auth.models import User
from app.modules.employees import operations
from app.modules.employees.models import (
    Department,
    Employee,
    Grade,
    Position,
    Separation,
    WageRecord,
)
from app.modules.employees.reasons import load_reasons

SEED = 20261129
ORGANISATION_STEPS = 3  # departments, positions and grades, logins
Progress = Callable[[int], None]


@functools.lru_cache(maxsize=4)
def demo_people(seed: int, anchor: date) -> tuple[Person, ...]:
    """The simulated people of a demo loaded on `anchor` (cached: the simulation is deterministic)."""
    return tuple(simulate(seed, DemoDates(anchor)))


def demo_anchor(session: Session) -> date:
    """The day the demo company was loaded (its history ends there), or today before it is."""
    loaded = session.scalar(select(Employee.created_at).where(
        Employee.employee_no == company.FIRST_EMPLOYEE_NO))
    return china_time(loaded).date() if loaded is not None else china_today()


def demo_steps(anchor: date, seed: int = SEED) -> int:
    """How many progress steps `load_demo` reports."""
    return len(demo_people(seed, anchor)) + ORGANISATION_STEPS


def load_demo(session: Session, progress: Progress | None = None, *, seed: int = SEED,
              pepper: str | None = None) -> dict:
    """Load (or top up) the demo company; never commits. Returns counts and the logins.

    `session` must be the app's `db.session` (logins are created through it).
    """
    progress = progress or (lambda _n: None)
    anchor = demo_anchor(session)
    people = demo_people(seed, anchor)
    already_loaded = session.scalar(select(Employee.id).where(
        Employee.employee_no == company.FIRST_EMPLOYEE_NO)) is not None
    org = _Organisation(session)
    progress(1)
    added = _add_people(session, people, org, pepper or _pepper(), progress, anchor)
    logins = _add_logins(session, people)
    from app.demo.alumni import load_alumni

    alumni = load_alumni(session, DemoDates(anchor))
    progress(1)
    return {**counts(session), **alumni, "already_loaded": already_loaded, "added_people": added,
            "logins": logins, "password": company.DEMO_PASSWORD}


def _pepper() -> str:
    from flask import current_app, has_app_context

    return current_app.config["NATIONAL_ID_PEPPER"] if has_app_context() else "sendoff-dev-pepper"


class _Organisation:
    """Departments, positions and grades by code, created when missing."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.departments = self._departments()
        self.positions = self._get_or_create(Position, [
            dict(code=p.code, name_zh=p.name_zh, name_en=p.name_en, is_key=p.is_key)
            for p in company.POSITIONS])
        self.grades = self._get_or_create(Grade, [
            dict(code=code, name=name, rank=rank) for code, name, rank in company.GRADES])

    def _get_or_create(self, model, rows: list[dict]) -> dict:
        existing = {item.code: item for item in self.session.scalars(
            select(model).where(model.code.in_([row["code"] for row in rows])))}
        for row in rows:
            if row["code"] not in existing:
                existing[row["code"]] = model(**row)
                self.session.add(existing[row["code"]])
        self.session.flush()
        return existing

    def _departments(self) -> dict[str, Department]:
        codes = [spec.code for spec in company.DEPARTMENTS]
        found = {d.code: d for d in self.session.scalars(
            select(Department).where(Department.code.in_(codes)))}
        for spec in company.DEPARTMENTS:  # parents come first
            if spec.code in found:
                continue
            parent = found[spec.parent] if spec.parent else None
            department = Department(code=spec.code, name_zh=spec.name_zh, name_en=spec.name_en,
                                    parent_id=parent.id if parent else None)
            self.session.add(department)
            self.session.flush()
            department.path = (parent.path if parent else "/") + f"{department.id}/"
            found[spec.code] = department
        return found


def _add_people(session: Session, people: tuple[Person, ...], org: _Organisation, pepper: str,
                progress: Progress, today: date) -> int:
    existing = set(session.scalars(select(Employee.employee_no).where(
        Employee.employee_no.in_([p.employee_no for p in people]))))
    taxonomy = load_reasons()
    employees: dict[str, Employee] = {}
    for person in people:
        if person.employee_no not in existing:
            employees[person.employee_no] = _write_person(session, person, org, pepper, taxonomy, today)
        progress(1)
    _link_managers(session, people)
    _insert_wages(session, [p for p in people if p.employee_no in employees], employees)
    return len(employees)


def _write_person(session: Session, person: Person, org: _Organisation, pepper: str,
                  taxonomy, today: date) -> Employee:
    first = person.spells[0]
    employee = operations.hire_employee(
        employee_no=person.employee_no, name=person.name, hire_date=person.hire_date,
        department=org.departments[first.seat.department],
        position=org.positions[first.seat.position], grade=org.grades[first.seat.grade],
        email=person.email, phone=person.phone, city=first.seat.city,
        monthly_wage=person.base_wage(person.hire_date), probation_end=person.probation_end,
        national_id=person.national_id, pepper=pepper, session=session)
    for spell in person.spells[1:]:
        operations.transfer_employee(
            employee, spell.start, department=org.departments[spell.seat.department],
            position=org.positions[spell.seat.position], grade=org.grades[spell.seat.grade],
            city=spell.seat.city, session=session)
    # The contract in force at the end (renewals replace the first one).
    employee.contract_type = person.contract_type
    employee.contract_start, employee.contract_end = person.contract_start, person.contract_end
    end = person.departure.last_day if person.departure else today
    employee.monthly_wage = person.base_wage(end)
    if person.departure is not None:
        d = person.departure
        operations.record_departure(
            employee, d.last_day, d.separation_type, d.reasons, voluntary=d.voluntary,
            source="demo", regrettable=d.regrettable, taxonomy=taxonomy, session=session)
    return employee


def _link_managers(session: Session, people: tuple[Person, ...]) -> None:
    ids = dict(session.execute(select(Employee.employee_no, Employee.id).where(
        Employee.employee_no.in_([p.employee_no for p in people]))).all())
    for person in people:
        employee_id = ids[person.employee_no]
        manager_id = ids.get(person.manager_no) if person.manager_no else None
        employee = session.get(Employee, employee_id)
        if employee.manager_id != manager_id:
            employee.manager_id = manager_id
    session.flush()


def _insert_wages(session: Session, people: list[Person], employees: dict[str, Employee]) -> None:
    rows = [{"employee_id": employees[p.employee_no].id, "month": month, "amount": amount}
            for p in people for month, amount in p.wages]
    if rows:
        session.execute(insert(WageRecord), rows)


def _add_logins(session: Session, people: tuple[Person, ...]) -> list[dict]:
    from app.modules.auth.operations import create_user

    seat_holder = _named_employee_nos(people)
    ids = dict(session.execute(select(Employee.employee_no, Employee.id).where(
        Employee.employee_no.in_(list(seat_holder.values())))).all())
    taken = set(session.scalars(select(User.username).where(
        User.username.in_([login.username for login in company.LOGINS]))))
    logins = []
    for login in company.LOGINS:
        employee_no = seat_holder.get(login.seat) if login.seat else None
        if login.username not in taken:
            create_user(login.username, company.DEMO_PASSWORD, roles=login.roles,
                        employee_id=ids.get(employee_no), locale="zh_CN")
        logins.append({"username": login.username, "roles": ", ".join(login.roles) or "-",
                       "who": login.what, "employee_no": employee_no,
                       "password": company.DEMO_PASSWORD})
    session.flush()
    return logins


def _named_employee_nos(people: tuple[Person, ...]) -> dict[str, str]:
    """Seat of each named person -> their employee number."""
    names = {named.seat: named.name for named in company.NAMED_PEOPLE}
    return {p.spells[0].seat.key: p.employee_no for p in people
            if names.get(p.spells[0].seat.key) == p.name}


def counts(session: Session) -> dict:
    """How many employees (current, past), departures, wages and departments there are."""
    def count(model, *where) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "employees": count(Employee),
        "current": count(Employee, Employee.status != "left"),
        "past": count(Employee, Employee.status == "left"),
        "separations": count(Separation),
        "wage_records": count(WageRecord),
        "departments": count(Department),
    }

