"""Exit interviews: scheduling with an ICS invitation, the outline, answers and confidential
notes (HR only: page, PDF, export), confirmed reasons feeding analytics, the outcomes."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.engine.models import OutboxJob
from app.modules.interviews.models import ExitInterview

pytest_plugins = ["tests.interviews_fixtures", "tests.documents_fixtures"]
NOTES = "她私下说主管经常当众批评"


def next_week(hour: int = 10) -> datetime:
    """`hour` o'clock China time a week from today: an appointment that is still ahead."""
    from app.clock import CHINA_TZ, today

    return datetime.combine(today() + timedelta(days=7), time(hour), CHINA_TZ)


def _schedule(post_form, case, **extra):
    data = {"s-starts_at": next_week().strftime("%Y-%m-%dT%H:%M"), "s-minutes": "45", "s-location": "三楼小会议室",
            "s-video_link": "", "s-interviewer": extra.pop("interviewer")}
    data.update(extra)
    return post_form(f"/cases/{case.id}/interview/schedule", data,
                     page=f"/cases/{case.id}/interview")


def _held_interview(session, case, hr_user):
    from app.modules.interviews.operations import record_answers, schedule_interview

    interview = schedule_interview(case, hr_user, starts_at=next_week().astimezone(UTC),
                                   interviewer=hr_user, location="会议室")
    record_answers(interview, hr_user, answers={"main_reason": "工资低"}, notes=NOTES,
                   expected_version=None)
    session.flush()
    return interview


def test_hr_schedules_and_both_sides_get_an_ics_invitation(session, client, login, post_form,
                                                            interview_case, people):
    from app.modules.interviews.hooks import send_interview_invitation
    from app.modules.notifications.models import Notification

    login("hr")
    response = _schedule(post_form, interview_case, interviewer=str(people.hr_user.id))
    assert response.status_code == 302
    interview = session.scalar(select(ExitInterview).where(ExitInterview.case_id == interview_case.id))
    assert interview.location == "三楼小会议室" and interview.starts_at is not None
    job = session.scalar(select(OutboxJob).where(OutboxJob.kind == "interview_invitation"))
    sent = []
    import app.modules.interviews.hooks as hooks
    original = hooks.deliver_notifications
    hooks.deliver_notifications = lambda users, template, context, **kw: sent.append(
        ({u.username for u in users}, kw))
    try:
        send_interview_invitation({**job.payload, "job_id": job.id})
    finally:
        hooks.deliver_notifications = original
    users, kw = sent[0]
    assert users == {"leaver", "hr"}
    ics = kw["attachments"][0]
    assert ics.mimetype == "text/calendar" and ("method", "REQUEST") in ics.params
    from icalendar import Calendar

    calendar = Calendar.from_ical(ics.content)
    assert calendar["METHOD"] == "REQUEST"
    assert calendar.walk("VEVENT")[0].decoded("DTSTART") == next_week()
    assert session.scalar(select(Notification.id)) is None  # nothing sent behind our back


def test_schedule_needs_a_place_or_link(client, login, post_form, interview_case, people, session):
    login("hr")
    response = _schedule(post_form, interview_case, interviewer=str(people.hr_user.id),
                         **{"s-location": ""})
    assert response.status_code == 400
    assert "Give a place or a video link" in response.get_data(as_text=True) or \
        "地点" in response.get_data(as_text=True)
    assert session.scalar(select(ExitInterview.id)) is None


def test_outline_follows_the_reason_groups(interview_case):
    from app.modules.interviews.operations import outline_for

    outline = outline_for(interview_case, "en")
    keys = [q["key"] for q in outline["questions"]]
    assert "main_reason" in keys and "pay_fair" in keys and "personal_support" in keys
    assert "process_fair" not in keys
    assert "avoidable departures" in outline["purpose"]


def test_supervisor_cannot_read_the_notes_anywhere(session, client, login, interview_case, people,
                                                    auditor, docs_dir):
    from app.modules.documents.operations import generate_document

    _held_interview(session, interview_case, people.hr_user)
    document = generate_document(session, interview_case, "exit_interview_record",
                                 options={"include_confidential": True})
    session.flush()
    login("hr")
    assert NOTES in client.get(f"/cases/{interview_case.id}").get_data(as_text=True)
    assert NOTES in client.get("/interviews/export.csv").get_data(as_text=True)
    client.delete_cookie("session", domain="localhost")
    login("boss")
    page = client.get(f"/cases/{interview_case.id}")
    assert page.status_code == 200 and NOTES not in page.get_data(as_text=True)
    assert client.get(f"/cases/{interview_case.id}/interview").status_code == 403
    assert client.get("/interviews/export.csv").status_code == 403
    pdf = client.get(f"/cases/{interview_case.id}/documents/{document.id}/download")
    assert pdf.status_code == 403


def test_auditor_export_has_no_notes_column(session, client, login, interview_case, people, auditor):
    _held_interview(session, interview_case, people.hr_user)
    login("auditor1")
    text = client.get("/interviews/export.csv").get_data(as_text=True)
    assert "confidential_notes" not in text and NOTES not in text and interview_case.reference in text


def _confirm(post_form, case, version, **extra):
    data = {"c-reasons": ["pay_benefits", "management"], "c-primary": "management",
            "c-voluntary": "yes", "c-regrettable": "yes", "c-avoidable": "yes",
            "c-outcome": "exit_confirmed", "c-version": str(version)}
    data.update(extra)
    return post_form(f"/cases/{case.id}/interview/confirm", data, page=f"/cases/{case.id}/interview")


def test_confirmed_reasons_archive_the_case_and_feed_analytics(session, client, login, post_form,
                                                               interview_case, people):
    from app.modules.alumni.models import AlumniRecord
    from app.modules.analytics.reasons import confirmed_reasons
    from app.modules.employees.models import Separation

    interview = _held_interview(session, interview_case, people.hr_user)
    login("hr")
    response = _confirm(post_form, interview_case, interview.lock_version)
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(interview_case.instance)
    assert interview_case.instance.configuration == ["archived"]
    separation = session.scalars(select(Separation).where(
        Separation.employee_id == people.leaver.id)).one()
    assert separation.primary_reason == "management" and separation.regrettable is True
    record = session.scalars(select(AlumniRecord)).one()
    assert record.frozen["primary_reason"] == "management"
    assert confirmed_reasons([separation.id]) == {separation.id: ["management", "pay_benefits"]}
    assert people.leaver.status == "left"


def test_primary_reason_must_be_among_the_reasons(session, client, login, post_form,
                                                  interview_case, people):
    interview = _held_interview(session, interview_case, people.hr_user)
    login("hr")
    response = _confirm(post_form, interview_case, interview.lock_version, **{"c-primary": "family"})
    assert response.status_code == 400
    session.refresh(interview_case.instance)
    assert interview_case.instance.configuration == ["exit_interview"]


def test_stale_interview_form_is_a_409(session, client, login, post_form, interview_case, people):
    interview = _held_interview(session, interview_case, people.hr_user)
    login("hr")
    response = _confirm(post_form, interview_case, interview.lock_version - 1)
    assert response.status_code == 409
    session.refresh(interview_case.instance)
    assert interview_case.instance.configuration == ["exit_interview"]


def test_retained_ends_the_case_and_the_employee_stays(session, client, login, post_form,
                                                       interview_case, people):
    from app.modules.employees.models import Separation

    interview = _held_interview(session, interview_case, people.hr_user)
    login("hr")
    response = _confirm(post_form, interview_case, interview.lock_version,
                        **{"c-outcome": "retained"})
    assert response.status_code == 302
    session.refresh(interview_case.instance)
    assert interview_case.instance.configuration == ["retained"]
    assert people.leaver.status == "active"
    assert session.scalar(select(Separation.id)) is None


def test_interview_not_held_moves_the_case_on(session, client, login, post_form, interview_case):
    login("hr")
    page = f"/cases/{interview_case.id}/interview"
    empty = post_form(f"/cases/{interview_case.id}/interview/not-held", {"n-reason": ""}, page=page)
    assert empty.status_code == 400
    response = post_form(f"/cases/{interview_case.id}/interview/not-held",
                         {"n-reason": "本人拒绝参加面谈"}, page=page)
    assert response.status_code == 302
    session.refresh(interview_case.instance)
    assert interview_case.instance.configuration == ["archived"]
    interview = session.scalar(select(ExitInterview))
    assert interview.status == "not_held" and interview.not_held_reason == "本人拒绝参加面谈"


def test_pdf_record_prints_the_answers(session, interview_case, people, docs_dir):
    from app.modules.documents.kinds import build_context, kind_for

    _held_interview(session, interview_case, people.hr_user)
    context = build_context(session, interview_case, kind_for("exit_interview_record"),
                            locale="zh_CN", bilingual=False, issued_on=datetime(2026, 4, 1).date(),
                            company="X")
    assert context["interview"]["answers"][0]["answer"] == "工资低"
    assert context["interview"]["confidential"] is None


# ---------------------------------------------------------------- outcomes per workflow


def _case_at_interview(session, people, workflow: str, state: str):
    """陈美丽's case of this workflow, moved straight to its interview step."""
    from app.modules.cases.operations import open_case

    case = open_case(people.leaver, workflow, people.hr_user, reason_codes=["retirement"],
                     primary_reason="retirement", notice_date=date(2026, 3, 2),
                     requested_last_day=date(2026, 4, 1), agreed_last_day=date(2026, 4, 1),
                     handover_receiver_id=people.successor.id)
    case.instance.configuration = [state]
    session.flush()
    return case


def _outcome_radios(client, case) -> dict[str, bool]:
    """The outcomes the interview page offers, and whether each is already chosen."""
    page = client.get(f"/cases/{case.id}/interview").get_data(as_text=True)
    tags = re.findall(r'<input[^>]*name="c-outcome"[^>]*>', page)
    return {re.search(r'value="(\w+)"', tag).group(1): "checked" in tag for tag in tags}


def test_resignation_offers_both_outcomes(session, client, login, interview_case, people):
    _held_interview(session, interview_case, people.hr_user)
    login("hr")
    assert _outcome_radios(client, interview_case) == {"exit_confirmed": False, "retained": False}


def test_retirement_farewell_offers_no_retained(session, client, login, post_form, people,
                                                shipped_workflows, gates_open):
    case = _case_at_interview(session, people, "retirement", "farewell")
    interview = _held_interview(session, case, people.hr_user)
    login("hr")
    page = client.get(f"/cases/{case.id}/interview").get_data(as_text=True)
    assert _outcome_radios(client, case) == {"exit_confirmed": True}  # the only one, chosen
    assert "Retained" not in page and "挽留" not in page
    response = _confirm(post_form, case, interview.lock_version, **{
        "c-reasons": ["retirement"], "c-primary": "retirement", "c-outcome": "retained"})
    assert response.status_code == 400  # not offered, so not accepted either
    session.refresh(case.instance)
    assert case.instance.configuration == ["farewell"] and interview.outcome is None
    response = _confirm(post_form, case, interview.lock_version, **{
        "c-reasons": ["retirement"], "c-primary": "retirement"})
    assert response.status_code == 302
    session.refresh(case.instance)
    assert case.instance.configuration == ["archived"]


def test_retained_is_refused_by_the_operation_too(session, people, shipped_workflows, gates_open):
    from app.modules.interviews.operations import InterviewError, confirm_interview

    case = _case_at_interview(session, people, "dismissal", "exit_interview")
    interview = _held_interview(session, case, people.hr_user)
    with pytest.raises(InterviewError):
        confirm_interview(interview, people.hr_user, reason_codes=["retirement"],
                          primary_reason="retirement", voluntary=False, regrettable=False,
                          avoidable=False, outcome="retained", expected_version=None)
    assert case.instance.configuration == ["exit_interview"] and interview.outcome is None


def test_interview_pages_refuse_a_case_past_the_interview(session, client, login, post_form, people,
                                                         shipped_workflows):
    case = _case_at_interview(session, people, "dismissal", "settlement")
    login("hr")
    assert _outcome_radios(client, case) == {}  # nothing to choose outside the step
    response = _schedule(post_form, case, interviewer=str(people.hr_user.id))
    assert response.status_code == 400
    assert session.scalar(select(ExitInterview.id)) is None
