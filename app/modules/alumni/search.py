"""Re-hire look-up: Chinese name, pinyin, initials, phone, e-mail, employee number, national
ID (by its keyed hash); tolerant of small typos; every look-up is logged."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, select

from app.db import db, utcnow
from app.modules.alumni.models import AlumniLookup, AlumniRecord
from app.modules.employees.models import Employee
from app.modules.employees.operations import hash_national_id, normalize_national_id, pinyin_of

CJK = re.compile(r"[\u3400-\u9fff]")
ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")
LIMIT = 20


@dataclass
class Match:
    employee: Employee
    record: AlumniRecord
    matched_on: str
    distance: int = 0


def classify(query: str) -> str:
    """What kind of key the user typed."""
    text = query.strip()
    if CJK.search(text):
        return "name"
    if ID_NUMBER.match(normalize_national_id(text)):
        return "id_number"
    if "@" in text:
        return "email"
    digits = re.sub(r"[\s+()-]", "", text)
    if digits.isdigit() and len(digits) >= 7:
        return "phone"
    return "latin"


def masked(query: str, kind: str) -> str:
    """The query as logged: an ID number is never stored whole."""
    if kind == "id_number":
        return "ID ****" + normalize_national_id(query)[-4:]
    return query.strip()[:200]


def _alumni_employees():
    return (select(Employee).where(Employee.id.in_(select(AlumniRecord.employee_id)))
            .order_by(Employee.employee_no))


def _typo_budget(text: str) -> int:
    return 0 if len(text) < 3 else (1 if len(text) <= 6 else 2)


def _fuzzy(candidates, key, text: str) -> list[tuple[Employee, int]]:
    budget = _typo_budget(text)
    found = []
    for employee in candidates:
        value = key(employee) or ""
        distance = Levenshtein.distance(text, value, score_cutoff=budget)
        if distance <= budget:
            found.append((employee, distance))
    return sorted(found, key=lambda pair: pair[1])


def _find(query: str, kind: str) -> list[tuple[Employee, str, int]]:
    text = query.strip()
    base = _alumni_employees()
    if kind == "id_number":
        digest = hash_national_id(text, current_app.config["NATIONAL_ID_PEPPER"])
        return [(e, "id_number", 0) for e in db.session.scalars(
            base.where(Employee.national_id_hash == digest))]
    if kind == "email":
        return [(e, "email", 0) for e in db.session.scalars(
            base.where(func.lower(Employee.email) == text.lower()))]
    if kind == "phone":
        digits = re.sub(r"\D", "", text)[-11:]
        return [(e, "phone", 0) for e in db.session.scalars(
            base.where(Employee.phone.contains(digits)))]
    candidates = list(db.session.scalars(base))
    if kind == "name":
        exact = [(e, "name", 0) for e in candidates if text in e.name]
        return exact or [(e, "name~", d) for e, d in _fuzzy(candidates, lambda e: e.name, text)]
    word = re.sub(r"[^a-z0-9]", "", text.lower())
    by_no = [(e, "employee_no", 0) for e in candidates if e.employee_no.lower() == word]
    initials = [(e, "initials", 0) for e in candidates if word and e.name_initials == word]
    pinyin = [(e, "pinyin", 0) for e in candidates
              if word and len(word) >= 3 and (e.name_pinyin or "").startswith(word)]
    found = by_no + initials + pinyin
    if not found and word:
        found = [(e, "pinyin~", d) for e, d in _fuzzy(
            candidates, lambda e: e.name_pinyin or pinyin_of(e.name)[0], word)]
    return found


def search_alumni(query: str, user) -> list[Match]:
    """Former employees matching the query, best first, and a log line of who looked for whom."""
    from app.modules.alumni.operations import latest_record

    if not (query or "").strip():
        return []
    kind = classify(query)
    seen, matches = set(), []
    for employee, matched_on, distance in _find(query, kind):
        if employee.id in seen:
            continue
        seen.add(employee.id)
        matches.append(Match(employee, latest_record(employee.id), matched_on, distance))
        if len(matches) >= LIMIT:
            break
    db.session.add(AlumniLookup(user_id=getattr(user, "id", None), query=masked(query, kind),
                                kind=kind, employee_ids=[m.employee.id for m in matches],
                                at=utcnow()))
    return matches


def log_view(record: AlumniRecord, user) -> None:
    """Opening a record is a look-up of that person too."""
    db.session.add(AlumniLookup(user_id=getattr(user, "id", None), query="", kind="view",
                                employee_ids=[record.employee_id], at=utcnow()))
