"""Re-hire look-up: Chinese name, pinyin, initials, phone, e-mail, employee number, national
ID (by its keyed hash); tolerant of small typos; every look-up is logged."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from flask import current_app
from rapidfuzz.distance import Levenshtein
from sqlalchemy import func, select

from app.db import db, utcnow
from app.modules.alumni.models import AlumniLookup, AlumniRecord
from app.modules.cases.queries import Page
from app.modules.employees.models import Employee
from app.modules.employees.operations import hash_national_id, normalize_national_id, pinyin_of

CJK = re.compile(r"[\u3400-\u9fff]")
ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15})$")
# 15 or more digits (spaces and dashes allowed between them, the last may be X): an ID number,
# or one mistyped, is never stored or shown whole, whatever the query was taken for.
LONG_NUMBER = re.compile(r"\d(?:[\s-]*\d){13,}[\s-]*[\dXx]")


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


def _mask_number(number: str) -> str:
    digits = normalize_national_id(number)
    return "*" * (len(digits) - 4) + digits[-4:]


def masked(query: str) -> str:
    """The query as logged and shown: any run of 15+ digits keeps only its last four (the
    first ones name the place of birth, which with the rest narrows the person down)."""
    return LONG_NUMBER.sub(lambda m: _mask_number(m.group()), (query or "").strip())[:200]


def is_masked(query: str) -> bool:
    """Whether the query holds an ID-like number, so it must not be shown back as typed."""
    return LONG_NUMBER.search(query or "") is not None


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


def search_alumni(query: str, user, *, page: int = 1, size: int | None = None) -> Page:
    """Former employees matching the query, best first, one page of them (all when size is
    None), and a log line of who looked for whom on it."""
    from app.modules.alumni.operations import latest_record

    if not (query or "").strip():
        return Page([], 1, size or 1, 0)
    kind = classify(query)
    best: dict[int, tuple] = {}
    for hit in _find(query, kind):
        best.setdefault(hit[0].id, hit)
    found = list(best.values())
    size = size or max(1, len(found))
    number = max(1, min(page, math.ceil(len(found) / size) or 1))
    shown = found[(number - 1) * size:number * size]
    db.session.add(AlumniLookup(user_id=getattr(user, "id", None), query=masked(query), kind=kind,
                                employee_ids=[e.id for e, _, _ in shown], at=utcnow()))
    return Page([Match(e, latest_record(e.id), on, distance) for e, on, distance in shown],
                number, size, len(found))


def log_view(record: AlumniRecord, user) -> None:
    """Opening a record is a look-up of that person too."""
    db.session.add(AlumniLookup(user_id=getattr(user, "id", None), query="", kind="view",
                                employee_ids=[record.employee_id], at=utcnow()))
