"""The anonymous exit survey: invitation link, answers without identity, k-anonymous reports."""
from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.db import db, utcnow
from app.engine.timing import CHINA_TZ
from app.modules.cases.models import Case
from app.modules.interviews.models import SurveyInvitation, SurveyResponse
from app.modules.interviews.operations import questionnaire

K_MIN = 5  # a group is shown only with at least this many responses
GROUPINGS = ("all", "department", "separation_type", "month", "quarter")


class SurveyError(ValueError):
    """The link is unknown or used, or the answers are incomplete."""


def dimensions() -> dict[str, dict]:
    return questionnaire()["survey_dimensions"]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    return invitation if invitation is not None and not invitation.answered else None


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
    invitation.answered = True
    response = SurveyResponse(month=_month(today or utcnow().astimezone(CHINA_TZ).date()),
                              department_code=invitation.department_code,
                              separation_type=invitation.separation_type,
                              scores={k: int(v) for k, v in scores.items()}, overall=int(overall))
    db.session.add(response)
    return response


def _key(response: SurveyResponse, by: str) -> str:
    if by == "department":
        return response.department_code or "-"
    if by == "separation_type":
        return response.separation_type or "-"
    if by == "month":
        return response.month
    if by == "quarter":
        year, month = response.month.split("-")
        return f"{year}-Q{(int(month) - 1) // 3 + 1}"
    return "all"


def survey_report(by: str = "all", k: int = K_MIN) -> list[dict]:
    """Average score per dimension for each group; groups under k responses are suppressed."""
    if by not in GROUPINGS:
        raise SurveyError(_l("Unknown grouping."))
    groups: dict[str, list[SurveyResponse]] = defaultdict(list)
    for response in db.session.scalars(select(SurveyResponse)):
        groups[_key(response, by)].append(response)
    report = []
    for key in sorted(groups):
        rows = groups[key]
        if len(rows) < k:
            report.append({"group": key, "count": None, "suppressed": True})
            continue
        averages = {d: round(sum(r.scores.get(d, 0) for r in rows) / len(rows), 2)
                    for d in dimensions()}
        report.append({"group": key, "count": len(rows), "suppressed": False,
                       "averages": averages,
                       "overall": round(sum(r.overall for r in rows) / len(rows), 2)})
    return report


def satisfaction_between(first: int, last: int, k: int = K_MIN) -> float | None:
    """Average overall satisfaction in months first..last (month indexes); None under k."""
    months = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]
    values = list(db.session.scalars(select(SurveyResponse.overall)
                                     .where(SurveyResponse.month.in_(months))))
    return round(sum(values) / len(values), 2) if len(values) >= k else None
