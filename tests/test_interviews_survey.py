"""The anonymous exit survey: no identity stored, month only, one use per link, k >= 5."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, select

from app.modules.interviews import survey
from app.modules.interviews.models import SurveyResponse

pytest_plugins = ["tests.interviews_fixtures"]
SCORES = {"pay_benefits": 2, "environment": 4, "development": 3, "management": 2, "culture": 4}


def _invite(session, people, make_employee, n):
    from app.modules.cases.models import Case

    tokens = []
    for i in range(n):
        employee = make_employee(department=people.dept, employee_no=f"SV{i:03d}")
        case = Case(reference=f"SV-{i}", employee_id=employee.id, workflow_id="voluntary_resignation")
        session.add(case)
        session.flush()
        tokens.append(survey.invite_to_survey(case))
    return tokens


def test_responses_carry_no_identity_and_only_the_month(session, people, make_employee):
    (token,) = _invite(session, people, make_employee, 1)
    response = survey.submit_survey(token, SCORES, 3, today=date(2026, 3, 17))
    session.flush()
    columns = {c.key for c in inspect(SurveyResponse).columns}
    assert columns == {"id", "month", "department_code", "separation_type", "scores", "overall"}
    assert response.month == "2026-03"
    with pytest.raises(survey.SurveyError):
        survey.submit_survey(token, SCORES, 3)  # the link works once


def test_groups_under_five_responses_are_not_shown(session, people, make_employee):
    tokens = _invite(session, people, make_employee, 5)
    for token in tokens[:4]:
        survey.submit_survey(token, SCORES, 3, today=date(2026, 3, 5))
    session.flush()
    (row,) = survey.survey_report("all")
    assert row["suppressed"] and row["count"] is None and "averages" not in row
    assert survey.satisfaction_between(2026 * 12 + 2, 2026 * 12 + 2) is None
    survey.submit_survey(tokens[4], {**SCORES, "culture": 5}, 5, today=date(2026, 3, 20))
    session.flush()
    (row,) = survey.survey_report("all")
    assert row["count"] == 5 and row["averages"]["culture"] == 4.2 and row["averages"]["management"] == 2
    assert survey.satisfaction_between(2026 * 12 + 2, 2026 * 12 + 2) == 3.4


def test_report_page_hides_small_groups(session, client, login, people, make_employee):
    tokens = _invite(session, people, make_employee, 6)
    for i, token in enumerate(tokens):
        survey.submit_survey(token, SCORES, 4, today=date(2026, 1 if i < 5 else 2, 3))
    session.flush()
    login("hr")
    html = client.get("/interviews/survey?by=month").get_data(as_text=True)
    assert 'data-group="2026-01"' in html and 'data-group="2026-02"' in html
    assert html.count("data-suppressed") == 1


def test_survey_page_without_sign_in(session, client, people, make_employee):
    from tests.conftest import csrf_from

    (token,) = _invite(session, people, make_employee, 1)
    page = client.get(f"/survey/{token}")
    assert page.status_code == 200
    data = {f"d_{k}": str(v) for k, v in SCORES.items()}
    bad = client.post(f"/survey/{token}", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert bad.status_code == 400
    ok = client.post(f"/survey/{token}", data={**data, "overall": "4",
                                               "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert ok.status_code == 200
    assert session.scalar(select(SurveyResponse.overall)) == 4
    assert client.get(f"/survey/{token}").status_code == 404
    assert client.get("/survey/not-a-token").status_code == 404
