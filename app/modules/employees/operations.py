"""Employee operations: hire, transfer, record a departure; identity helpers.

Operations never commit (the request or the CLI command does) and flush only when they
need an id; the session's autoflush writes the rest before the next query.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from pypinyin import lazy_pinyin
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import db
from app.modules.employees.models import (
    Assignment,
    Department,
    Employee,
    Grade,
    Position,
    Separation,
    WageRecord,
)
from app.modules.employees.reasons import Taxonomy, load_reasons

# The shipped workflow ids; a separation's type is the workflow that ended the contract.
SEPARATION_TYPES = (
    "voluntary_resignation", "probation_resignation", "mutual_agreement",
    "dismissal", "contract_expiry", "retirement",
)
VOLUNTARY_TYPES = frozenset({"voluntary_resignation", "probation_resignation"})
SOURCES = ("case", "import", "demo")

# pypinyin reads these characters by their everyday sound; as a surname they are read
# differently (单 shan, not dan). Only the first character of a name is treated as a surname.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "乐": "yue", "朴": "piao", "区": "ou",
    "查": "zha", "仇": "qiu", "盖": "ge", "缪": "miao", "翟": "zhai", "覃": "qin",
    "召": "shao", "种": "chong", "秘": "bi", "尉": "yu", "员": "yun", "黑": "he",
}


class EmployeeError(ValueError):
    """An employee operation was refused; the message says why."""


def _session(session: Session | None) -> Session:
    return session if session is not None else db.session


def normalize_national_id(number: str) -> str:
    """Strip spaces and dashes and upper-case the check character (x -> X)."""
    return re.sub(r"[\s-]", "", number or "").upper()


def hash_national_id(number: str, pepper: str) -> str:
    """Keyed HMAC-SHA256 of the normalised number: the same number always finds the same row."""
    if not pepper:
        raise EmployeeError("NATIONAL_ID_PEPPER is not configured")
    normalized = normalize_national_id(number)
    return hmac.new(pepper.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def set_national_id(employee: Employee, number: str | None, pepper: str) -> None:
    """Store the keyed hash and the last four characters, never the number itself."""
    if not number:
        employee.national_id_hash = employee.national_id_last4 = None
        return
    employee.national_id_hash = hash_national_id(number, pepper)
    employee.national_id_last4 = normalize_national_id(number)[-4:]


def _latin_words(chunk: str) -> list[str]:
    ascii_text = unicodedata.normalize("NFKD", chunk).encode("ascii", "ignore").decode()
    return re.findall(r"[A-Za-z0-9]+", ascii_text)


def pinyin_of(name: str) -> tuple[str, str]:
    """Tone-less pinyin and initials for search: 陈美丽 -> ("chenmeili", "cml")."""
    name = (name or "").strip()
    syllables = lazy_pinyin(name, errors=_latin_words)
    if syllables and name[:1] in SURNAME_READINGS:
        syllables[0] = SURNAME_READINGS[name[0]]
    syllables = [s.lower() for s in syllables if s]
    return "".join(syllables), "".join(s[0] for s in syllables)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _open_assignment(employee: Employee, session: Session) -> Assignment | None:
    return session.scalar(
        select(Assignment)
        .where(Assignment.employee_id == employee.id, Assignment.end_date.is_(None))
        .order_by(Assignment.start_date.desc())
    )


def hire_employee(*, employee_no: str, name: str, hire_date: date, department: Department,
                  position: Position | None = None, grade: Grade | None = None,
                  manager: Employee | None = None, email: str | None = None,
                  phone: str | None = None, city: str = "hohhot",
                  monthly_wage: Decimal | None = None, contract_type: str = "fixed",
                  contract_end: date | None = None, probation_end: date | None = None,
                  national_id: str | None = None, pepper: str | None = None,
                  locale: str = "zh_CN", wage_history: Iterable[tuple[date, Decimal]] = (),
                  start_kind: str = "hire", session: Session | None = None) -> Employee:
    """Create an active employee with their first assignment and optional monthly wages."""
    session = _session(session)
    if contract_end is not None and contract_end < hire_date:
        raise EmployeeError(f"{employee_no}: the contract ends before the hire date")
    full, initials = pinyin_of(name)
    employee = Employee(
        employee_no=employee_no, name=name, name_pinyin=full, name_initials=initials,
        email=email, phone=phone, department=department, position=position, grade=grade,
        manager=manager, hire_date=hire_date, probation_end=probation_end,
        contract_type=contract_type, contract_start=hire_date, contract_end=contract_end,
        city=city, monthly_wage=monthly_wage, status="active", locale=locale, protections=[],
    )
    if national_id:
        set_national_id(employee, national_id, pepper or "")
    session.add(employee)
    session.flush()
    session.add(Assignment(
        employee_id=employee.id, department_id=department.id,
        position_id=position.id if position else None, grade_id=grade.id if grade else None,
        city=city, start_date=hire_date, start_kind=start_kind,
    ))
    session.add_all(WageRecord(employee_id=employee.id, month=_month_start(month), amount=amount)
                    for month, amount in wage_history)
    return employee


def transfer_employee(employee: Employee, on: date, *, department: Department | None = None,
                      position: Position | None = None, grade: Grade | None = None,
                      city: str | None = None, manager: Employee | None = None,
                      session: Session | None = None) -> Assignment:
    """Close the open assignment the day before `on` and open one with the new post."""
    session = _session(session)
    current = _open_assignment(employee, session)
    if current is None or employee.status == "left":
        raise EmployeeError(f"{employee.employee_no} has no current assignment to transfer from")
    if on <= current.start_date:
        raise EmployeeError(
            f"{employee.employee_no}: a transfer must start after {current.start_date}")
    current.end_date, current.end_kind = on - timedelta(days=1), "transfer"
    assignment = Assignment(
        employee_id=employee.id, department_id=(department or employee.department).id,
        position_id=_id_or(position, current.position_id), grade_id=_id_or(grade, current.grade_id),
        city=city or current.city, start_date=on, start_kind="transfer",
    )
    employee.department = department or employee.department
    employee.position = position or employee.position
    employee.grade = grade or employee.grade
    employee.city = city or employee.city
    if manager is not None:
        employee.manager = manager
    session.add(assignment)
    return assignment


def _id_or(item, fallback: int | None) -> int | None:
    return item.id if item is not None else fallback


def default_voluntary(separation_type: str, primary_reason: str | None,
                      taxonomy: Taxonomy | None = None) -> bool:
    """Quit or not: the primary reason's group decides, else the separation type."""
    if primary_reason:
        return (taxonomy or load_reasons()).is_voluntary(primary_reason)
    return separation_type in VOLUNTARY_TYPES


def record_departure(employee: Employee, last_day: date, separation_type: str,
                     reason_codes: Iterable[str] = (), primary_reason: str | None = None,
                     voluntary: bool | None = None, source: str = "case", *,
                     regrettable: bool | None = None, taxonomy: Taxonomy | None = None,
                     session: Session | None = None) -> Separation:
    """End the open assignment on `last_day` (inclusive), write the Separation, mark as left."""
    session = _session(session)
    taxonomy = taxonomy or load_reasons()
    codes = _checked_reasons(reason_codes, primary_reason, taxonomy)
    primary_reason = primary_reason or (codes[0] if codes else None)
    _check_departure(employee, separation_type, source)
    current = _open_assignment(employee, session)
    if current is not None:
        if last_day < current.start_date:
            raise EmployeeError(
                f"{employee.employee_no}: the last day is before {current.start_date}")
        current.end_date, current.end_kind = last_day, "departure"
    if voluntary is None:
        voluntary = default_voluntary(separation_type, primary_reason, taxonomy)
    separation = Separation(
        employee_id=employee.id, last_day=last_day, separation_type=separation_type,
        voluntary=voluntary, regrettable=regrettable, reason_codes=codes,
        primary_reason=primary_reason, source=source,
    )
    employee.status = "left"
    session.add(separation)
    return separation


def revise_departure_reasons(separation: Separation, reason_codes: Iterable[str],
                             primary_reason: str | None = None, *,
                             taxonomy: Taxonomy | None = None) -> None:
    """Correct why someone left (the last day and the type stay); quit or not follows."""
    taxonomy = taxonomy or load_reasons()
    codes = _checked_reasons(reason_codes, primary_reason, taxonomy)
    separation.reason_codes = codes
    separation.primary_reason = primary_reason or (codes[0] if codes else None)
    separation.voluntary = default_voluntary(separation.separation_type,
                                             separation.primary_reason, taxonomy)


def _checked_reasons(reason_codes: Iterable[str], primary: str | None,
                     taxonomy: Taxonomy) -> list[str]:
    codes = list(dict.fromkeys(code for code in reason_codes if code))
    if primary and primary not in codes:
        codes.insert(0, primary)
    try:
        return taxonomy.validate(codes)
    except ValueError as exc:
        raise EmployeeError(str(exc)) from exc


def _check_departure(employee: Employee, separation_type: str, source: str) -> None:
    if separation_type not in SEPARATION_TYPES:
        raise EmployeeError(f"unknown separation type {separation_type!r}")
    if source not in SOURCES:
        raise EmployeeError(f"unknown source {source!r}")
    if employee.status == "left":
        raise EmployeeError(f"{employee.employee_no} has already left")
