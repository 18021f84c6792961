"""Exit survey privacy (issue 7): no figure, alone or subtracted from another, rests on fewer
than K_MIN answers, and nothing stored ties an answer to the invitation or the case."""
from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from sqlalchemy import event, func, inspect, select

from app.db import db
from app.modules.interviews import survey
from app.modules.interviews.models import SurveyInvitation, SurveyLinkUse, SurveyResponse

K = survey.K_MIN


def _scores(value: int) -> dict[str, int]:
    return dict.fromkeys(survey.dimensions(), value)


@pytest.fixture
def invite(session, make_department, make_employee):
    """invite(n, department=code, workflow=...) -> n survey links of leavers in that top-level
    department."""
    from app.modules.cases.models import Case

    departments = {}

    def _invite(n: int, department: str = "A", workflow: str = "voluntary_resignation"):
        if department not in departments:
            departments[department] = make_department(code=department)
        tokens = []
        for _ in range(n):
            employee = make_employee(department=departments[department])
            case = Case(reference=f"SP-{employee.employee_no}", employee_id=employee.id,
                        workflow_id=workflow)
            session.add(case)
            session.flush()
            tokens.append(survey.invite_to_survey(case))
        return tokens

    return _invite


def _answer(tokens, score: int, day: date = date(2026, 1, 10)) -> None:
    for token in tokens:
        survey.submit_survey(token, _scores(score), score, today=day)
    db.session.flush()


def _rows(session, months: dict[str, list[int]]) -> None:
    """Responses straight into the table, month -> overall scores (the reports read only it)."""
    for month, overall in months.items():
        for value in overall:
            session.add(SurveyResponse(month=month, department_code="A",
                                       separation_type="voluntary_resignation",
                                       scores=_scores(value), overall=value))
    session.flush()


def _shown(report: list[dict]) -> dict[str, dict]:
    return {row["group"]: row for row in report if not row["suppressed"]}


def _hidden_total(by: str) -> int:
    total = db.session.scalar(select(func.count()).select_from(SurveyResponse))
    return total - sum(row["count"] for row in _shown(survey.survey_report(by)).values())


# ---------------------------------------------------------------- subtraction between groups


def test_the_subtraction_attack_on_departments_is_defeated(session, invite):
    _answer(invite(6, "A"), 4)
    _answer(invite(1, "B"), 1)
    (everyone,) = survey.survey_report("all")
    assert everyone["count"] == 7 and everyone["overall"] == 3.57
    by_department = {row["group"]: row for row in survey.survey_report("department")}
    assert by_department["B"]["suppressed"] and by_department["B"]["reason"] == "few"
    # A has 6 answers, but shown next to the total it would give B's answer away.
    assert by_department["A"]["suppressed"] and by_department["A"]["reason"] == "pooled"
    assert "averages" not in by_department["A"]


@pytest.mark.parametrize("by", survey.GROUPINGS)
def test_no_report_hides_fewer_than_k_answers(session, invite, by):
    """Whatever the grouping, total minus shown groups is 0 or at least K."""
    _answer(invite(6, "A"), 4, date(2026, 1, 10))
    _answer(invite(5, "B", "dismissal"), 3, date(2026, 2, 10))
    _answer(invite(1, "C", "retirement"), 1, date(2026, 4, 10))
    _answer(invite(7, "D"), 5, date(2026, 5, 10))
    hidden = _hidden_total(by)
    assert hidden == 0 or hidden >= K, by


def test_the_smallest_other_group_is_hidden_with_a_small_one(session, invite):
    _answer(invite(9, "A"), 4)
    _answer(invite(6, "B"), 3)
    _answer(invite(2, "C"), 1)
    rows = {row["group"]: row for row in survey.survey_report("department")}
    assert [rows[g]["suppressed"] for g in "ABC"] == [False, True, True]
    assert rows["A"]["count"] == 9 and rows["A"]["overall"] == 4


def test_a_report_with_every_group_at_k_or_more_is_unchanged(session, invite):
    _answer(invite(5, "A"), 2, date(2026, 1, 10))
    _answer(invite(6, "B", "dismissal"), 5, date(2026, 2, 10))
    expected = {
        "all": {"all": (11, 3.64)},
        "department": {"A": (5, 2.0), "B": (6, 5.0)},
        "separation_type": {"voluntary_resignation": (5, 2.0), "dismissal": (6, 5.0)},
        "month": {"2026-01": (5, 2.0), "2026-02": (6, 5.0)},
        "quarter": {"2026-Q1": (11, 3.64)},
    }
    for by, groups in expected.items():
        report = survey.survey_report(by)
        assert not any(row["suppressed"] for row in report), by
        assert {row["group"]: (row["count"], row["overall"]) for row in report} == groups, by
    assert survey.satisfaction_between(2026 * 12, 2026 * 12) == 2.0
    assert survey.satisfaction_between(2026 * 12 + 1, 2026 * 12 + 1) == 5.0


# ---------------------------------------------------------------- subtraction between periods

def _month_index(month: str) -> int:
    year, number = month.split("-")
    return int(year) * 12 + int(number) - 1


def _published_month_sets(first: int, last: int) -> list[frozenset[str]]:
    """Every set of months whose figure a user can see: the time reports' shown groups and
    each satisfaction window that is answered."""
    published = []
    if not survey.survey_report("all")[0]["suppressed"]:
        published.append(frozenset(f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)))
    for row in _shown(survey.survey_report("month")).values():
        published.append(frozenset([row["group"]]))
    for quarter in _shown(survey.survey_report("quarter")):
        year, q = int(quarter[:4]), int(quarter[-1])
        published.append(frozenset(f"{year:04d}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)))
    for start in range(first, last + 1):
        for end in range(start, last + 1):
            if survey.satisfaction_between(start, end) is not None:
                published.append(frozenset(f"{m // 12:04d}-{m % 12 + 1:02d}"
                                           for m in range(start, end + 1)))
    return published


SCENARIOS = {
    "small month after a big one": {"2026-01": [4] * 6, "2026-02": [1]},
    "small month in the middle": {"2026-01": [4] * 5, "2026-02": [1], "2026-03": [3] * 6},
    "small month at the end of a quarter": {"2026-01": [4] * 4, "2026-02": [2] * 4,
                                            "2026-03": [1], "2026-04": [3] * 5, "2026-05": [5] * 5},
    "small quarter": {"2025-12": [2, 3], "2026-01": [4] * 2, "2026-02": [5] * 7},
    "small last quarter": {"2026-01": [4] * 6, "2026-02": [3] * 5, "2026-04": [1, 2]},
}


@pytest.mark.parametrize("months", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_no_combination_of_shown_time_figures_singles_out_fewer_than_k(session, months):
    """Months that every published figure either covers together or leaves out together can
    be told apart by no subtraction; each such class must hold 0 or at least K answers."""
    _rows(session, months)
    indexes = [_month_index(m) for m in months]
    published = _published_month_sets(min(indexes) - 1, max(indexes) + 1)
    classes: dict[frozenset[int], int] = {}
    for month, answers in months.items():
        signature = frozenset(i for i, shown in enumerate(published) if month in shown)
        classes[signature] = classes.get(signature, 0) + len(answers)
    assert all(count >= K for count in classes.values()), classes
    assert published, "something must still be shown"


def test_a_window_that_would_isolate_a_month_is_refused(session):
    _rows(session, SCENARIOS["small month after a big one"])
    jan, feb = 2026 * 12, 2026 * 12 + 1
    assert survey.satisfaction_between(jan, feb) == 3.57
    assert survey.satisfaction_between(jan, jan) is None  # 3.57 * 7 - Jan would be Feb's answer
    assert survey.satisfaction_between(feb, feb) is None
    assert survey.satisfaction_between(jan - 6, feb + 6) == 3.57  # empty months change nothing


def test_months_of_k_or_more_are_each_shown(session):
    _rows(session, {"2026-01": [4] * 5, "2026-02": [2] * 5, "2026-03": [3] * 6, "2026-05": [1] * 5})
    assert set(_shown(survey.survey_report("month"))) == {"2026-01", "2026-02", "2026-03", "2026-05"}
    assert set(_shown(survey.survey_report("quarter"))) == {"2026-Q1", "2026-Q2"}
    assert survey.satisfaction_between(2026 * 12 + 1, 2026 * 12 + 1) == 2.0


def test_the_report_page_says_why_a_big_group_is_hidden(session, client, login, people, invite):
    _answer(invite(6, "A"), 4)
    _answer(invite(1, "B"), 1)
    login("hr")
    html = client.get("/interviews/survey?by=department").get_data(as_text=True)
    assert re.search(r'data-group="A">\s*<td>A</td>\s*<td[^>]*data-suppressed="pooled"', html)
    assert re.search(r'data-group="B">\s*<td>B</td>\s*<td[^>]*data-suppressed="few"', html)
    assert "4.0" not in html


# ---------------------------------------------------------------- no link to the case


def test_answering_writes_nothing_to_the_invitation(session, invite):
    (token,) = invite(1)
    invitation = survey.invitation_for(token)
    columns = [c.key for c in inspect(SurveyInvitation).columns]
    before = session.execute(select(SurveyInvitation.__table__)).one()
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        _answer([token], 3)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    written = [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    assert written and not any("survey_invitations" in s for s in written)
    session.expire_all()
    assert session.execute(select(SurveyInvitation.__table__)).one() == before
    assert "answered" not in columns and invitation.case_id is not None
    assert survey.invitation_for(token) is None  # still usable only once


def test_nothing_stored_leads_from_a_response_to_its_invitation(session, invite):
    invitation_columns = {c.key for c in inspect(SurveyInvitation).columns}
    response_columns = {c.key for c in inspect(SurveyResponse).columns}
    # Shared: only the group facts a report needs, never a key, flag, time or order.
    assert invitation_columns & response_columns == {"id", "department_code", "separation_type"}
    assert invitation_columns == {"id", "case_id", "token_hash", "department_code",
                                  "separation_type", "sent_month"}
    tokens = invite(2)
    _answer(tokens[:1], 4)
    (mark,) = session.scalars(select(SurveyLinkUse.mark)).all()
    stored = set(session.scalars(select(SurveyInvitation.token_hash)))
    # The token is in the leaver's notification; without the app's key it does not find the mark.
    for token in tokens:
        digest = hashlib.sha256(token.encode()).hexdigest()
        assert mark not in {token, digest, hashlib.sha256(digest.encode()).hexdigest()}
    assert mark not in stored


def test_response_ids_are_random_not_in_answering_order(session, invite):
    responses = [survey.submit_survey(token, _scores(3), 3) for token in invite(8)]
    session.flush()
    ids = [r.id for r in responses]  # in the order the answers came
    assert len(set(ids)) == 8 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    assert ids != sorted(ids)  # sorting by id does not give the answering order back
    assert inspect(SurveyResponse).columns["id"].type.python_type is str
