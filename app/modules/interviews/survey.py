"""The anonymous exit survey: invitation link, answers without identity, k-anonymous reports.

Reports suppress small groups and, so that a hidden group cannot be worked out by subtracting
the shown ones from the total, enough other groups with them (docs/decisions/0006-alumni.md).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.db import db, utcnow
from app.engine.timing import CHINA_TZ
from app.modules.cases.models import Case
from app.modules.interviews.models import SurveyInvitation, SurveyLinkUse, SurveyResponse
from app.modules.interviews.operations import questionnaire

K_MIN = 5  # a group is shown only with at least this many responses
GROUPINGS = ("all", "department", "separation_type", "month", "quarter")
TIME_GROUPINGS = ("month", "quarter")


class SurveyError(ValueError):
    """The link is unknown or used, or the answers are incomplete."""


def dimensions() -> dict[str, dict]:
    return questionnaire()["survey_dimensions"]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _used_mark(token: str) -> str:
    """The keyed mark of a used link. The key is the national-ID pepper: a secret outside the
    database that never changes (every stored ID hash depends on it), so a mark stays valid."""
    key = current_app.config["NATIONAL_ID_PEPPER"].encode()
    return hmac.new(key, b"sendoff-survey-link-used\0" + token.encode(), hashlib.sha256).hexdigest()


def _month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _department_code(case: Case) -> str:
    """The top-level department: finer units would make small groups identifiable."""
    department = case.employee.department if case.employee else None
    while department is not None and department.parent is not None:
        department = department.parent
    return department.code if department else ""


def invite_to_survey(case: Case) -> str | None:
    """Create the case's invitation; returns the token (shown once) or None if one exists."""
    if db.session.scalar(select(SurveyInvitation.id).where(SurveyInvitation.case_id == case.id)):
        return None
    token = secrets.token_urlsafe(24)
    db.session.add(SurveyInvitation(
        case_id=case.id, token_hash=_digest(token), department_code=_department_code(case),
        separation_type=case.workflow_id, sent_month=_month(utcnow().astimezone(CHINA_TZ))))
    db.session.flush()
    return token


def invitation_for(token: str) -> SurveyInvitation | None:
    """The open invitation of a link, or None when unknown or already answered."""
    invitation = db.session.scalar(select(SurveyInvitation).where(
        SurveyInvitation.token_hash == _digest(token or "")))
    if invitation is None or db.session.get(SurveyLinkUse, _used_mark(token)) is not None:
        return None
    return invitation


def submit_survey(token: str, scores: dict[str, int], overall: int, *,
                  today: date | None = None) -> SurveyResponse:
    """Store the answers with the month only; the link can be used once."""
    invitation = invitation_for(token)
    if invitation is None:
        raise SurveyError(_l("This survey link is not valid or has already been used."))
    wanted = set(dimensions())
    if set(scores) != wanted or not all(1 <= int(v) <= 5 for v in scores.values()) \
            or not 1 <= int(overall) <= 5:
        raise SurveyError(_l("Rate every dimension from 1 to 5."))
    # The invitation row is left untouched: the use is recorded under a mark nothing stored
    # leads to, so no flag, row version or write order ties the response to the case.
    db.session.add(SurveyLinkUse(mark=_used_mark(token)))
    response = SurveyResponse(month=_month(today or utcnow().astimezone(CHINA_TZ).date()),
                              department_code=invitation.department_code,
                              separation_type=invitation.separation_type,
                              scores={k: int(v) for k, v in scores.items()}, overall=int(overall))
    db.session.add(response)
    return response


def _quarter(month: str) -> str:
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


def _key(response: SurveyResponse, by: str) -> str:
    if by == "department":
        return response.department_code or "-"
    if by == "separation_type":
        return response.separation_type or "-"
    if by == "month":
        return response.month
    if by == "quarter":
        return _quarter(response.month)
    return "all"


def _pool(keys: list[str], size: dict[str, int], k: int) -> list[list[str]]:
    """Consecutive keys pooled in order until a pool holds k responses; a short last pool
    joins the one before it (alone it would be the total minus the others)."""
    pools: list[list[str]] = []
    current: list[str] = []
    for key in keys:
        current.append(key)
        if sum(size[x] for x in current) >= k:
            pools.append(current)
            current = []
    if current and pools:
        pools[-1].extend(current)
    elif current:
        pools.append(current)
    return pools


def time_blocks(month_counts: dict[str, int], k: int = K_MIN) -> list[set[str]]:
    """The months with responses cut into blocks of at least k responses (unless all of
    them are fewer): quarters pooled in time order, then each pool's months pooled the same
    way (quarters first, so that quarters of k or more stay whole). Every time figure shown
    is a union of whole blocks, so no subtraction of figures gets below a block."""
    quarters: dict[str, list[str]] = defaultdict(list)
    for month in sorted(month_counts):
        quarters[_quarter(month)].append(month)
    size = {q: sum(month_counts[m] for m in months) for q, months in quarters.items()}
    return [set(block) for pool in _pool(sorted(quarters), size, k)
            for block in _pool([m for q in pool for m in quarters[q]], month_counts, k)]


def _cuts_a_block(months: set[str], blocks: list[set[str]]) -> bool:
    return any(block & months and not block <= months for block in blocks)


def _hidden_by_time(groups: dict[str, list], k: int) -> dict[str, str]:
    """Groups of months not shown: too few responses, or they split a block."""
    blocks = time_blocks(_month_counts(), k)
    hidden = {}
    for key, rows in groups.items():
        months = {r.month for r in rows}
        if len(rows) < k:
            hidden[key] = "few"
        elif _cuts_a_block(months, blocks):
            hidden[key] = "pooled"
    return hidden


def _hidden_by_complement(groups: dict[str, list], k: int) -> dict[str, str]:
    """Groups under k, and then the smallest shown groups until the hidden responses are at
    least k: otherwise the total minus the shown groups gives the hidden ones away."""
    hidden = {key: "few" for key, rows in groups.items() if len(rows) < k}
    shown = sorted((len(rows), key) for key, rows in groups.items() if key not in hidden)
    hidden_count = sum(len(groups[key]) for key in hidden)
    while 0 < hidden_count < k and shown:
        size, key = shown.pop(0)
        hidden[key] = "pooled"
        hidden_count += size
    return hidden


def _row(key: str, rows: list[SurveyResponse], hidden: str | None) -> dict:
    if hidden:
        return {"group": key, "count": None, "suppressed": True, "reason": hidden}
    averages = {d: round(sum(r.scores.get(d, 0) for r in rows) / len(rows), 2) for d in dimensions()}
    return {"group": key, "count": len(rows), "suppressed": False, "averages": averages,
            "overall": round(sum(r.overall for r in rows) / len(rows), 2)}


def survey_report(by: str = "all", k: int = K_MIN) -> list[dict]:
    """Average score per dimension for each group; a suppressed group says why: "few"
    (under k responses) or "pooled" (hidden with a small group so it cannot be derived)."""
    if by not in GROUPINGS:
        raise SurveyError(_l("Unknown grouping."))
    groups: dict[str, list[SurveyResponse]] = defaultdict(list)
    for response in db.session.scalars(select(SurveyResponse)):
        groups[_key(response, by)].append(response)
    hidden = (_hidden_by_time(groups, k) if by in TIME_GROUPINGS
              else _hidden_by_complement(groups, k))
    return [_row(key, groups[key], hidden.get(key)) for key in sorted(groups)]


def _month_counts() -> dict[str, int]:
    return dict(db.session.execute(select(SurveyResponse.month, func.count())
                                   .group_by(SurveyResponse.month)).all())


def satisfaction_between(first: int, last: int, k: int = K_MIN) -> float | None:
    """Average overall satisfaction in months first..last (month indexes); None under k
    responses, or when the window splits a block of months (two windows could then be
    subtracted to single out fewer than k answers)."""
    months = {f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)}
    counts = _month_counts()
    if _cuts_a_block(months & set(counts), time_blocks(counts, k)):
        return None
    values = list(db.session.scalars(select(SurveyResponse.overall)
                                     .where(SurveyResponse.month.in_(sorted(months)))))
    return round(sum(values) / len(values), 2) if len(values) >= k else None
