"""Exit interviews: schedule, record, confirm reasons and outcome; the document and analytics
views of them. None of these commit."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_event
from app.config import ROOT
from app.db import db, utcnow
from app.engine.outbox import record as record_job
from app.i18n import iso_instant
from app.modules.auth.models import User
from app.modules.auth.permissions import roles_of
from app.modules.cases.models import Case
from app.modules.employees.reasons import load_reasons
from app.modules.interviews.models import ExitInterview

QUESTIONNAIRE = ROOT / "workflows" / "questionnaires" / "exit_interview.yaml"
INVITATION_JOB = "interview_invitation"
OUTCOME_EVENTS = {"exit_confirmed": "complete_interview", "retained": "retain"}
NOT_HELD_EVENT = "interview_not_held"


class InterviewError(ValueError):
    """An interview operation was refused; the message is for the user."""


class StaleInterview(InterviewError):
    """Someone saved the interview since the form was loaded (HTTP 409)."""


@functools.lru_cache(maxsize=1)
def questionnaire() -> dict:
    """workflows/questionnaires/exit_interview.yaml."""
    return yaml.safe_load(QUESTIONNAIRE.read_text(encoding="utf-8"))


def _lang(locale: str) -> str:
    return "zh_CN" if (locale or "").startswith("zh") else "en"


def outline_for(case: Case, locale: str) -> dict:
    """The interview outline: purpose, guidance, and the questions for the filed reason groups."""
    data, lang, taxonomy = questionnaire(), _lang(locale), load_reasons()
    groups = list(dict.fromkeys(taxonomy.group_of(c) for c in case.reason_codes or []
                                if c in taxonomy))
    items = list(data["common"]) + [q for g in groups for q in data["groups"].get(g, [])]
    return {"purpose": data["purpose"][lang], "guidance": data["guidance"][lang],
            "questionnaire": f"{data['id']}@{data['version']}", "groups": groups,
            "questions": [{"key": q["key"], "text": q[lang]} for q in items]}


def interview_of(case: Case) -> ExitInterview | None:
    return db.session.scalar(select(ExitInterview).where(ExitInterview.case_id == case.id))


def is_hr(user) -> bool:
    return "hr" in roles_of(user)


def _check_version(interview: ExitInterview, expected: int | None) -> None:
    if expected is not None and interview.lock_version != expected:
        raise StaleInterview(_l("The interview changed since you opened it; reload and try "
                                "again."))


def _step_events(case: Case) -> set[str]:
    """The events of the case's current top-level state, as its pinned workflow defines them."""
    from app.engine.runtime import pinned_definition
    from app.modules.cases.operations import current_states

    states = current_states(case)
    if not case.is_open or not states:
        return set()
    top = pinned_definition(db.session, case.instance).state(states[0].split(".")[0])
    return {t.event for t in top.transitions}


def outcomes_for(case: Case) -> tuple[str, ...]:
    """The interview outcomes the case's workflow has at its current step (none elsewhere):
    "retained" only where the workflow lets the employee stay."""
    events = _step_events(case)
    return tuple(o for o, event in OUTCOME_EVENTS.items() if event in events)


def _check_open(case: Case) -> None:
    if OUTCOME_EVENTS["exit_confirmed"] not in _step_events(case):
        raise InterviewError(_l("The case is not at the exit interview step."))


def schedule_interview(case: Case, by: User, *, starts_at: datetime, interviewer: User,
                       minutes: int = 45, location: str = "", video_link: str = "",
                       expected_version: int | None = None) -> ExitInterview:
    """Plan (or move) the interview and send both sides an e-mail with an ICS invitation."""
    _check_open(case)
    if not (location or video_link):
        raise InterviewError(_l("Give a place or a video link."))
    if not is_hr(interviewer):
        raise InterviewError(_l("The interviewer must work in HR."))
    interview = interview_of(case)
    if interview is None:
        outline = outline_for(case, case.locale)
        interview = ExitInterview(case_id=case.id, questionnaire=outline["questionnaire"],
                                  purpose=outline["purpose"], answers=[])
        db.session.add(interview)
    else:
        _check_version(interview, expected_version)
    interview.status, interview.starts_at, interview.minutes = "scheduled", starts_at, minutes
    interview.location, interview.video_link = location.strip(), video_link.strip()
    interview.interviewer_id = interviewer.id
    db.session.flush()
    record_job(db.session, INVITATION_JOB, {"interview_id": interview.id,
                                            "sequence": interview.lock_version},
               now=utcnow(), instance_id=case.instance_id)
    record_event("interview.scheduled", subject=case.subject,
                 payload={"starts_at": starts_at.isoformat(), "interviewer": interviewer.id})
    return interview


def record_answers(interview: ExitInterview, by: User, *, answers: dict[str, str],
                   notes: str, expected_version: int | None) -> None:
    """Store the answers to the outline's questions and the HR-only confidential notes."""
    _check_version(interview, expected_version)
    outline = outline_for(interview.case, interview.case.locale)
    interview.answers = [{"key": q["key"], "question": q["text"],
                          "answer": (answers.get(q["key"]) or "").strip()}
                         for q in outline["questions"]]
    interview.confidential_notes = (notes or "").strip()
    interview.status = "held"
    db.session.flush()
    record_event("interview.recorded", subject=interview.case.subject,
                 payload={"answered": sum(1 for a in interview.answers if a["answer"])})


def confirm_interview(interview: ExitInterview, by: User, *, reason_codes: list[str],
                      primary_reason: str, voluntary: bool, regrettable: bool, avoidable: bool,
                      outcome: str, expected_version: int | None):
    """Confirm the reasons and the outcome; the case moves on or ends as retained."""
    from app.modules.cases.operations import fire_case_event, refusal_message

    _check_version(interview, expected_version)
    _check_open(interview.case)
    codes = list(dict.fromkeys(reason_codes))
    if not codes or primary_reason not in codes:
        raise InterviewError(_l("Choose the reasons and one primary reason among them."))
    load_reasons().validate(codes)
    if outcome not in outcomes_for(interview.case):
        raise InterviewError(_l("Choose one of the outcomes this case can have."))
    interview.reason_codes, interview.primary_reason = [primary_reason] + [
        c for c in codes if c != primary_reason], primary_reason
    interview.voluntary, interview.regrettable, interview.avoidable = voluntary, regrettable, avoidable
    interview.outcome, interview.status = outcome, "held"
    interview.confirmed_at, interview.confirmed_by_id = utcnow(), by.id
    db.session.flush()
    result = fire_case_event(interview.case, OUTCOME_EVENTS[outcome], by, None)
    if not result:
        raise InterviewError(refusal_message(result.refusal))
    record_event("interview.confirmed", subject=interview.case.subject,
                 payload={"reasons": interview.reason_codes, "outcome": outcome})
    return result


def record_not_held(case: Case, by: User, *, reason: str):
    """The interview could not be held: say why, and move the case on."""
    from app.modules.cases.operations import fire_case_event, refusal_message

    _check_open(case)
    if not (reason or "").strip():
        raise InterviewError(_l("Say why the interview could not be held."))
    interview = interview_of(case)
    if interview is None:
        interview = ExitInterview(case_id=case.id, answers=[])
        db.session.add(interview)
    interview.status, interview.not_held_reason = "not_held", reason.strip()
    interview.confirmed_at, interview.confirmed_by_id = utcnow(), by.id
    db.session.flush()
    result = fire_case_event(case, NOT_HELD_EVENT, by, None, {"comment": reason.strip()})
    if not result:
        raise InterviewError(refusal_message(result.refusal))
    return result


# ---------------------------------------------------------------- who sees what


def visible_interview(interview: ExitInterview | None, user) -> dict | None:
    """What this user may read of the interview: HR everything, others the appointment only."""
    if interview is None:
        return None
    view = {"status": interview.status, "starts_at": interview.starts_at,
            "location": interview.location, "video_link": interview.video_link,
            "interviewer": interview.interviewer.display_name if interview.interviewer else ""}
    if is_hr(user):
        view.update(answers=interview.answers or [], notes=interview.confidential_notes,
                    reasons=interview.reason_codes or [], primary=interview.primary_reason,
                    voluntary=interview.voluntary, regrettable=interview.regrettable,
                    avoidable=interview.avoidable, outcome=interview.outcome,
                    not_held_reason=interview.not_held_reason, version=interview.lock_version)
    return view


def interview_for_document(case: Case, locale: str) -> dict | None:
    """The facts of the exit interview record PDF (the notes are printed only on request)."""
    interview = interview_of(case)
    if interview is None:
        return None
    return {"interviewer": interview.interviewer.display_name if interview.interviewer else "",
            "answers": [{"question": a.get("question", ""), "answer": a.get("answer", "")}
                        for a in interview.answers or []],
            "confidential_notes": interview.confidential_notes}


EXPORT_COLUMNS = ("case", "employee_no", "status", "starts_at", "interviewer", "primary_reason",
                  "reasons", "voluntary", "regrettable", "avoidable", "outcome")


def export_rows(user) -> tuple[list[str], list[list]]:
    """Interviews as table rows; the confidential notes column only for HR."""
    with_notes = is_hr(user)
    header = list(EXPORT_COLUMNS) + (["confidential_notes"] if with_notes else [])
    rows = []
    for i in db.session.scalars(select(ExitInterview).order_by(ExitInterview.id)):
        row = [i.case.reference, i.case.employee.employee_no, i.status,
               iso_instant(i.starts_at),
               i.interviewer.display_name if i.interviewer else "", i.primary_reason or "",
               " ".join(i.reason_codes or []), i.voluntary, i.regrettable, i.avoidable,
               i.outcome or ""]
        rows.append(row + ([i.confidential_notes] if with_notes else []))
    return header, rows


def confirmed_reasons(separation_ids) -> dict[int, list[str]]:
    """{separation id: [primary, other reasons]} confirmed in an exit interview."""
    from app.modules.alumni.models import AlumniRecord

    ids = list(separation_ids)
    if not ids:
        return {}
    stmt = (select(AlumniRecord.separation_id, ExitInterview.reason_codes)
            .join(ExitInterview, ExitInterview.case_id == AlumniRecord.case_id)
            .where(AlumniRecord.separation_id.in_(ids), ExitInterview.confirmed_at.is_not(None),
                   ExitInterview.primary_reason.is_not(None)))
    return {sep: list(codes) for sep, codes in db.session.execute(stmt) if codes}


# ---------------------------------------------------------------- calendar invitation


def _ics_time(moment: datetime) -> str:
    from datetime import UTC

    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _ics_text(value: str) -> str:
    return (value or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,") \
        .replace("\n", "\\n")


def build_ics(interview: ExitInterview, organizer: tuple[str, str] | None,
              attendees: list[tuple[str, str]], summary: str) -> str:
    """An iCalendar REQUEST (RFC 5545); SEQUENCE follows the interview's version on a move."""
    end = interview.starts_at + timedelta(minutes=interview.minutes or 45)
    where = interview.location or interview.video_link
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Sendoff//Exit interview//EN",
             "METHOD:REQUEST", "BEGIN:VEVENT",
             f"UID:exit-interview-{interview.id}@sendoff", f"SEQUENCE:{interview.lock_version}",
             f"DTSTAMP:{_ics_time(utcnow())}", f"DTSTART:{_ics_time(interview.starts_at)}",
             f"DTEND:{_ics_time(end)}", f"SUMMARY:{_ics_text(summary)}",
             f"LOCATION:{_ics_text(where)}"]
    if interview.video_link:
        lines.append(f"URL:{interview.video_link}")
    if organizer:
        lines.append(f"ORGANIZER;CN={_ics_text(organizer[0])}:mailto:{organizer[1]}")
    lines += [f"ATTENDEE;CN={_ics_text(n)};ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:{e}"
              for n, e in attendees]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"
