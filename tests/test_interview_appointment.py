"""The exit interview as a real appointment: never in the past, moved and cancelled with iTIP
updates (same UID, higher SEQUENCE), every invitation parsed with `icalendar` and every e-mail
with Python's `email` parser; a completed interview is read-only, corrected by addenda."""
from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from email.utils import parsedate_to_datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.engine.models import AuditEvent, OutboxJob
from app.modules.interviews.models import ExitInterview, InterviewAddendum
from tests.conftest import csrf_from

pytest_plugins = ["tests.interviews_fixtures", "tests.mail_fixtures"]
SHANGHAI = "Asia/Shanghai"


def ahead(days: int = 7, hour: int = 10) -> datetime:
    """`hour` o'clock China time `days` from today."""
    from app.clock import CHINA_TZ, today

    return datetime.combine(today() + timedelta(days=days), time(hour), CHINA_TZ)


@pytest.fixture
def interviewer(make_user, make_employee):
    """An HR interviewer with an e-mail address (the organizer of the invitation)."""
    return make_user("hr_iv", roles=("hr",), employee=make_employee(name="王面谈", email="iv@example.com"))


def page_url(case) -> str:
    return f"/cases/{case.id}/interview"


def post(client, case, action: str, data: dict):
    page = client.get(page_url(case)).get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="{re.escape(page_url(case))}/{action}".*?</form>', page, re.S)
    assert form, f"no {action} form on the interview page"
    hidden = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', form.group(0)))
    hidden.update(dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"',
                                  form.group(0))))
    if not any(k.endswith("csrf_token") for k in hidden):
        hidden["csrf_token"] = csrf_from(page)
    return client.post(f"{page_url(case)}/{action}", data={**hidden, **data})


def schedule(client, case, interviewer, when: datetime, **extra):
    data = {"s-starts_at": when.strftime("%Y-%m-%dT%H:%M"), "s-minutes": "45",
            "s-location": "三楼小会议室", "s-video_link": "", "s-interviewer": str(interviewer.id)}
    data.update(extra)
    return post(client, case, "schedule", data)


def send_jobs(session) -> list:
    """Run every pending invitation job as the worker would; the jobs, in order."""
    from app.modules.interviews.hooks import send_interview_invitation

    jobs = session.scalars(select(OutboxJob).where(OutboxJob.kind == "interview_invitation",
                                                   OutboxJob.status == "pending")
                           .order_by(OutboxJob.id)).all()
    for job in jobs:
        send_interview_invitation({**job.payload, "job_id": job.id})
        job.status = "done"
    session.expire_all()
    return jobs


def invitations(smtp, address: str) -> list[tuple]:
    """(message, parsed calendar) of every mail to `address`, parsed by `email` and `icalendar`."""
    found = []
    for message in smtp.to(address):
        assert message["Message-ID"] and re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", message["Message-ID"])
        sent = parsedate_to_datetime(message["Date"])
        assert sent.tzinfo is not None and abs(sent - datetime.now(UTC)) < timedelta(minutes=5)
        parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1
        text = parts[0].get_content()
        assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n")), "unfolded line"
        calendar = Calendar.from_ical(text)
        assert parts[0].get_param("method") == str(calendar["METHOD"])
        found.append((message, calendar))
    return found


def attendees_of(event) -> list[str]:
    found = event.get("ATTENDEE")
    return [str(a).lower() for a in (found if isinstance(found, list) else [found])]


def event_of(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


# ---------------------------------------------------------------- never in the past


@pytest.mark.parametrize("locale, text", [("zh_CN", "面谈时间不能早于现在"),
                                          ("en", "The interview cannot be in the past")])
def test_an_interview_in_the_past_is_refused_in_the_reader_s_language(
        session, client, login, interview_case, people, interviewer, locale, text):
    people.hr_user.locale = locale
    login("hr")
    response = schedule(client, interview_case, interviewer, ahead(days=-1))
    assert response.status_code == 400 and text in response.get_data(as_text=True)
    assert session.scalar(select(ExitInterview.id)) is None
    assert session.scalar(select(OutboxJob.id).where(OutboxJob.kind == "interview_invitation")) is None


def test_an_interview_an_hour_ago_today_is_refused_too(session, interview_case, people, interviewer):
    from app.clock import now
    from app.modules.interviews.operations import InterviewError, schedule_interview

    with pytest.raises(InterviewError):
        schedule_interview(interview_case, people.hr_user, starts_at=now() - timedelta(hours=1),
                           interviewer=interviewer, location="会议室")


# ---------------------------------------------------------------- invitation, update, cancellation


def test_invite_move_cancel_one_calendar_entry_with_rising_sequence(session, client, login, smtp,
                                                                    interview_case, people,
                                                                    interviewer):
    login("hr")
    assert schedule(client, interview_case, interviewer, ahead(7, 10)).status_code == 302
    send_jobs(session)
    assert schedule(client, interview_case, interviewer, ahead(8, 15),
                    **{"s-location": "五楼大会议室"}).status_code == 302
    send_jobs(session)
    assert post(client, interview_case, "cancel", {}).status_code == 302
    send_jobs(session)

    leaver_mail = people.leaver.email
    for address in (leaver_mail, "iv@example.com"):
        sent = invitations(smtp, address)
        assert [str(c["METHOD"]) for _m, c in sent] == ["REQUEST", "REQUEST", "CANCEL"], address
        events = [event_of(c) for _m, c in sent]
        assert len({str(e["UID"]) for e in events}) == 1  # one calendar entry throughout
        assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
        for event, start in zip(events, (ahead(7, 10), ahead(8, 15), ahead(8, 15)), strict=True):
            assert event["DTSTART"].params["TZID"] == SHANGHAI
            assert event.decoded("DTSTART") == start and str(event.decoded("DTSTART").tzinfo) == SHANGHAI
            assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
        assert str(events[1]["LOCATION"]) == "五楼大会议室"
        assert str(events[2]["STATUS"]) == "CANCELLED"
        assert set(attendees_of(events[0])) == {f"mailto:{leaver_mail}", "mailto:iv@example.com"}
        assert str(events[0]["ORGANIZER"]).lower() == "mailto:iv@example.com"
        assert any(c.walk("VTIMEZONE") and str(c.walk("VTIMEZONE")[0]["TZID"]) == SHANGHAI
                   for _m, c in sent)
    subjects = [m["Subject"] for m, _c in invitations(smtp, leaver_mail)]
    assert "离职面谈" in subjects[0] and "改至" in subjects[1] and "取消" in subjects[2]
    interview = session.scalar(select(ExitInterview))
    assert interview.status == "cancelled" and interview.ics_sequence == 2
    kinds = session.scalars(select(AuditEvent.event).where(AuditEvent.event.like("interview.%"))).all()
    assert kinds == ["interview.scheduled", "interview.moved", "interview.cancelled"]


def test_a_delayed_invitation_superseded_by_a_newer_one_is_not_sent(session, client, login, smtp,
                                                                   interview_case, interviewer):
    login("hr")
    schedule(client, interview_case, interviewer, ahead(7, 10))
    schedule(client, interview_case, interviewer, ahead(9, 10))
    send_jobs(session)  # the first job runs late, after the move
    sent = invitations(smtp, "iv@example.com")
    assert [int(event_of(c)["SEQUENCE"]) for _m, c in sent] == [1]
    assert event_of(sent[0][1]).decoded("DTSTART") == ahead(9, 10)


def test_not_held_cancels_an_appointment_still_ahead(session, client, login, smtp, interview_case,
                                                    interviewer):
    login("hr")
    schedule(client, interview_case, interviewer, ahead(7, 10))
    send_jobs(session)
    assert post(client, interview_case, "not-held", {"n-reason": "本人提前离开"}).status_code == 302
    send_jobs(session)
    methods = [str(c["METHOD"]) for _m, c in invitations(smtp, "iv@example.com")]
    assert methods == ["REQUEST", "CANCEL"]


# ---------------------------------------------------------------- what cannot get into the file


@pytest.mark.parametrize("field, value", [
    ("s-location", "会议室\r\nATTENDEE:mailto:evil@example.com"),
    ("s-video_link", "https://meet.example/room%0D%0AATTENDEE:mailto:evil@example.com"),
    ("s-video_link", "https://meet.example/room\r\nATTENDEE:mailto:evil@example.com"),
    ("s-video_link", "javascript:alert(1)"),
    ("s-video_link", "ftp://meet.example/room"),
    ("s-video_link", "https://meet.example/a b"),
])
def test_a_place_or_link_that_could_break_the_invitation_is_refused(session, client, login,
                                                                   interview_case, interviewer,
                                                                   field, value):
    login("hr")
    response = schedule(client, interview_case, interviewer, ahead(), **{field: value})
    assert response.status_code == 400
    assert "一行文字" in response.get_data(as_text=True) or "http://" in response.get_data(as_text=True)
    assert session.scalar(select(ExitInterview.id)) is None


def test_a_plain_https_link_is_kept_and_sent_as_the_url(session, client, login, smtp, interview_case,
                                                       interviewer):
    login("hr")
    link = "https://meet.example/j/123?pwd=abc"
    assert schedule(client, interview_case, interviewer, ahead(), **{"s-location": "",
                                                                    "s-video_link": link}).status_code == 302
    send_jobs(session)
    (_message, calendar), = invitations(smtp, "iv@example.com")
    assert str(event_of(calendar)["URL"]) == link and str(event_of(calendar)["LOCATION"]) == link


def test_text_values_are_escaped_and_folded_by_icalendar(session, interview_case, interviewer):
    """Even a stored value with a line break (from before the checks) stays inside its property."""
    from app.modules.interviews.invitations import build_invitation

    interview = ExitInterview(id=99, case_id=interview_case.id, starts_at=ahead(), minutes=30,
                              location="会议室\r\nATTENDEE:mailto:evil@example.com", video_link="")
    text = build_invitation(interview, method="REQUEST", sequence=0, summary="离职面谈：" + "很长的标题" * 20,
                            organizer=("王面谈", "iv@example.com"),
                            attendees=[("陈, 美丽", "leaver@example.com")])
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    event = event_of(Calendar.from_ical(text))
    assert attendees_of(event) == ["mailto:leaver@example.com"]  # no attendee was smuggled in
    assert str(event["LOCATION"]) == "会议室\nATTENDEE:mailto:evil@example.com"  # it is the place's text
    assert event["ATTENDEE"].params["CN"] == "陈, 美丽"


# ---------------------------------------------------------------- a completed record is read-only


def _complete(client, case, interviewer):
    assert schedule(client, case, interviewer, ahead()).status_code == 302
    assert post(client, case, "answers", {"answer_main_reason": "想换个环境", "a-notes": "情绪平稳"}).status_code == 302
    response = post(client, case, "confirm", {
        "c-reasons": ["pay_benefits"], "c-primary": "pay_benefits", "c-voluntary": "yes",
        "c-regrettable": "no", "c-avoidable": "no", "c-outcome": "exit_confirmed"})
    assert response.status_code == 302


def test_after_completion_the_page_is_read_only_and_shows_the_outcome(session, client, login,
                                                                      interview_case, interviewer):
    login("hr")
    _complete(client, interview_case, interviewer)
    page = client.get(page_url(interview_case)).get_data(as_text=True)
    assert 'data-test="read-only"' in page and 'data-outcome="exit_confirmed"' in page
    assert "确认离职" in page or "Exit confirmed" in page
    assert 'data-form="answers"' not in page and 'data-form="schedule"' not in page
    assert 'data-form="addendum"' in page and "想换个环境" in page


def test_answers_cannot_be_rewritten_after_completion(session, client, login, interview_case,
                                                      interviewer, people):
    from app.modules.interviews.operations import InterviewError, record_answers

    login("hr")
    _complete(client, interview_case, interviewer)
    interview = session.scalar(select(ExitInterview))
    version = interview.lock_version
    token = csrf_from(client.get(page_url(interview_case)).get_data(as_text=True))
    response = client.post(f"{page_url(interview_case)}/answers", data={
        "a-csrf_token": token, "csrf_token": token, "a-version": str(version),
        "answer_main_reason": "改写后的回答", "a-notes": "改写"})
    assert response.status_code == 400 and "记录不可再修改" in response.get_data(as_text=True)
    session.refresh(interview)
    assert interview.answers[0]["answer"] == "想换个环境" and interview.confidential_notes == "情绪平稳"
    with pytest.raises(InterviewError):  # the operation refuses too, whoever calls it
        record_answers(interview, people.hr_user, answers={"main_reason": "x"}, notes="x",
                       expected_version=None)


def test_corrections_are_addenda_audited_shown_and_printed(session, client, login, interview_case,
                                                          interviewer):
    from app.modules.documents.kinds import build_context, kind_for

    login("hr")
    _complete(client, interview_case, interviewer)
    assert post(client, interview_case, "addenda", {"d-text": ""}).status_code == 400
    assert post(client, interview_case, "addenda", {"d-text": "更正：主要原因是通勤太远"}).status_code == 302
    (addendum,) = session.scalars(select(InterviewAddendum)).all()
    assert addendum.text == "更正：主要原因是通勤太远" and addendum.author_id is not None
    event = session.scalars(select(AuditEvent).where(AuditEvent.event == "interview.addendum")).one()
    assert event.payload["addendum"] == addendum.id and len(event.payload["sha256"]) == 64
    assert "更正：主要原因是通勤太远" in client.get(page_url(interview_case)).get_data(as_text=True)
    context = build_context(session, interview_case, kind_for("exit_interview_record"), locale="zh_CN",
                            bilingual=False, issued_on=ahead().date(), company="X")
    assert context["interview"]["addenda"][0]["text"] == "更正：主要原因是通勤太远"


def test_no_addendum_before_completion(session, client, login, interview_case, interviewer, people):
    from app.modules.interviews.operations import InterviewError, add_interview_addendum

    login("hr")
    schedule(client, interview_case, interviewer, ahead())
    with pytest.raises(InterviewError):
        add_interview_addendum(session.scalar(select(ExitInterview)), people.hr_user, text="x")
