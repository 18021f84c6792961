"""HR-only payloads stay HR-only in the case timeline and in printed timelines: everyone who
sees the case sees that the interview was not held, only HR sees why; a settlement override's
reason goes only to those who may read the sheet."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import csrf_from

pytest_plugins = ["tests.interviews_fixtures", "tests.documents_fixtures"]
REASON = "本人情绪激动，称主管长期打压"


@pytest.fixture
def not_held(session, client, login, interview_case):
    login("hr")
    page = client.get(f"/cases/{interview_case.id}/interview").get_data(as_text=True)
    response = client.post(f"/cases/{interview_case.id}/interview/not-held",
                           data={"n-csrf_token": csrf_from(page), "n-reason": REASON})
    assert response.status_code == 302
    client.delete_cookie("session", domain="localhost")
    return interview_case


@pytest.mark.parametrize("username, sees_reason", [("hr", True), ("hradmin", True), ("boss", False),
                                                   ("successor", False), ("leaver", False),
                                                   ("auditor1", False)])
def test_why_the_interview_was_not_held_is_for_hr_only(client, login, auditor, not_held, username,
                                                        sees_reason):
    login(username)
    page = client.get(f"/cases/{not_held.id}").get_data(as_text=True)
    assert "面谈未能进行" in page  # the step itself is on everyone's timeline
    assert (REASON in page) == sees_reason


def test_printed_timelines_keep_it_for_hr_documents_only(session, not_held, docs_dir):
    from app.modules.documents.kinds import Formatter, build_context, kind_for, timeline

    summary = build_context(session, not_held, kind_for("offboarding_summary"), locale="zh_CN",
                            bilingual=False, issued_on=not_held.last_day, company="X")
    assert REASON in [row["comment"] for row in summary["timeline"]]  # the HR-only summary
    printed = timeline(session, not_held, Formatter("zh_CN", False))  # any document for others
    assert REASON not in [row["comment"] for row in printed]
    assert any("面谈未能进行" in row["step"] for row in printed)


def test_an_override_reason_is_not_shown_to_the_supervisor(session, client, login, people,
                                                          interview_case):
    from app.modules.settlement.operations import compute_settlement, override_line

    sheet = compute_settlement(interview_case)
    override_line(sheet.line("final_wage"), Decimal("1"), "扣除违约金", people.hr_user)
    session.commit()
    for username, sees in (("boss", False), ("successor", False), ("leaver", True), ("hr", True)):
        client.delete_cookie("session", domain="localhost")
        login(username)
        assert ("扣除违约金" in client.get(f"/cases/{interview_case.id}").get_data(as_text=True)) == sees
