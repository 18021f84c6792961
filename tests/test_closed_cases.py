"""A closed case's records are read-only: no file is added, no report moved, no interview
answer rewritten (corrections to a completed interview are addenda: test_interview_appointment)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from app.modules.cases.models import CaseAttachment
from tests.conftest import csrf_from
from tests.samples import PDF

pytest_plugins = ["tests.handover_fixtures", "tests.interviews_fixtures"]
CLOSED = {"zh_CN": "案件已结案，其记录不能再添加或修改。",
          "en": "The case is closed: nothing can be added to its record or changed in it."}


def close(session, case, state: str = "archived") -> None:
    case.instance.configuration = [state]
    case.instance.status = "finished"
    session.commit()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_no_evidence_is_added_to_a_closed_case(session, client, login, people, handover_case, locale):
    close(session, handover_case)
    people.hr_user.locale = locale
    session.commit()
    login("hr")
    token = csrf_from(client.get(f"/cases/{handover_case.id}").get_data(as_text=True))
    response = client.post(f"/cases/{handover_case.id}/attachments", follow_redirects=True,
                           content_type="multipart/form-data",
                           data={"csrf_token": token, "file": (BytesIO(PDF), "late.pdf")})
    assert CLOSED[locale] in response.get_data(as_text=True)
    assert session.scalars(select(CaseAttachment)).all() == []


def test_the_leaver_s_reports_are_not_moved_through_a_closed_case(session, client, login, people,
                                                                  handover_case, make_employee):
    report = make_employee(manager_id=people.leaver.id, department=people.dept)
    close(session, handover_case, "withdrawn")
    login("hr")
    token = csrf_from(client.get(f"/cases/{handover_case.id}").get_data(as_text=True))
    response = client.post(f"/cases/{handover_case.id}/handover/reports", follow_redirects=True,
                           data={"reports-csrf_token": token, "reports-employee_no": "B001"})
    assert CLOSED["zh_CN"] in response.get_data(as_text=True)
    session.refresh(report)
    assert report.manager_id == people.leaver.id


def test_interview_answers_are_not_rewritten_once_the_case_is_closed(session, client, login, people,
                                                                     interview_case):
    """The case was cancelled with the interview still open: its record stays as it was."""
    from app.modules.interviews.models import ExitInterview

    interview = ExitInterview(case_id=interview_case.id, status="held", answers=[
        {"key": "main_reason", "question": "主要原因", "answer": "工资低"}], confidential_notes="原记录",
        starts_at=datetime.now(UTC) + timedelta(days=1), location="会议室")
    session.add(interview)
    close(session, interview_case, "withdrawn")
    login("hr")
    page = client.get(f"/cases/{interview_case.id}/interview").get_data(as_text=True)
    assert 'data-test="read-only"' in page and 'data-form="answers"' not in page
    response = client.post(f"/cases/{interview_case.id}/interview/answers", data={
        "a-csrf_token": csrf_from(page), "a-version": str(interview.lock_version),
        "answer_main_reason": "改写", "a-notes": "改写"})
    assert response.status_code == 400 and "记录不可再修改" in response.get_data(as_text=True)
    session.refresh(interview)
    assert interview.answers[0]["answer"] == "工资低" and interview.confidential_notes == "原记录"
