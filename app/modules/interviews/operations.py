"""Exit interviews: schedule, record, confirm reasons and outcome; the document and analytics
views of them. None of these commit."""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from datetime import datetime
from urllib.parse import urlsplit

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import record_event
from app.clock import china_time, utc
from app.clock import now as clock_now
from app.config import ROOT
from app.db import db, utcnow
from app.engine.outbox import record as record_job
from app.i18n import iso_instant
from app.modules.auth.models import User
from app.modules.auth.permissions import roles_of
from app.modules.cases.models import Case
from app.modules.employees.reasons import load_reasons
from app.modules.interviews.models import ExitInterview, InterviewAddendum

QUESTIONNAIRE = ROOT / "workflows" / "questionnaires" / "exit_interview.yaml"
INVITATION_JOB = "interview_invitation"
OUTCOME_EVENTS = {"exit_confirmed": "complete_interview", "retained": "retain"}
NOT_HELD_EVENT = "interview_not_held"
LINK_SCHEMES = ("http", "https")
# A percent-encoded control character (%0D%0A...) is a line break once someone decodes it.
ENCODED_CONTROL = re.compile(r"%(?:[01][0-9a-f]|7f)", re.IGNORECASE)


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


def _has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in value)


def link_problem(link: str):
    """Why a video link is not a plain web address (http or https, no spaces or control
    characters, raw or percent-encoded), or None when it is one."""
    parts = urlsplit(link)
    if (parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname
            or _has_control_characters(link) or ENCODED_CONTROL.search(link)
            or any(ch.isspace() for ch in link)):
        return _l("The video link must be a web address starting with http:// or https://, "
                  "without spaces or control characters.")
    return None


def place_problem(place: str):
    """Why a place is not one line of text, or None."""
    if _has_control_characters(place):
        return _l("The place must be one line of text, without line breaks or control characters.")
    return None


def _check_appointment(starts_at: datetime, location: str, video_link: str, interviewer: User) -> None:
    if not (location or video_link):
        raise InterviewError(_l("Give a place or a video link."))
    problem = place_problem(location) or (link_problem(video_link) if video_link else None)
    if problem:
        raise InterviewError(problem)
    if not is_hr(interviewer):
        raise InterviewError(_l("The interviewer must work in HR."))
    current = clock_now()
    if utc(starts_at) <= current:
        raise InterviewError(_l("The interview cannot be in the past: choose a time after "
                                "%(now)s (China time).",
                                now=china_time(current).strftime("%Y-%m-%d %H:%M")))


def _check_editable(interview: ExitInterview) -> None:
    if interview.completed or not interview.case.is_open:
        raise InterviewError(_l("The interview is completed and its record is read-only; add an "
                                "addendum to correct or complete it."))


def _send_calendar(interview: ExitInterview, method: str) -> None:
    """Queue the invitation (REQUEST) or cancellation (CANCEL) with the current SEQUENCE."""
    record_job(db.session, INVITATION_JOB, {"interview_id": interview.id, "method": method,
                                            "sequence": interview.ics_sequence},
               now=utcnow(), instance_id=interview.case.instance_id)


def schedule_interview(case: Case, by: User, *, starts_at: datetime, interviewer: User,
                       minutes: int = 45, location: str = "", video_link: str = "",
                       expected_version: int | None = None) -> ExitInterview:
    """Plan (or move) the interview and send both sides an e-mail with an ICS invitation;
    a move sends an update of the same calendar entry (same UID, higher SEQUENCE)."""
    _check_open(case)
    location, video_link = location.strip(), video_link.strip()
    _check_appointment(starts_at, location, video_link, interviewer)
    interview = interview_of(case)
    if interview is None:
        outline = outline_for(case, case.locale)
        interview = ExitInterview(case_id=case.id, questionnaire=outline["questionnaire"],
                                  purpose=outline["purpose"], answers=[], ics_sequence=0)
        db.session.add(interview)
    else:
        _check_version(interview, expected_version)
        _check_editable(interview)
        interview.ics_sequence = (interview.ics_sequence or 0) + 1
    moved = interview.id is not None
    interview.status, interview.starts_at, interview.minutes = "scheduled", starts_at, minutes
    interview.location, interview.video_link = location, video_link
    interview.interviewer_id = interviewer.id
    db.session.flush()
    _send_calendar(interview, "REQUEST")
    record_event("interview.moved" if moved else "interview.scheduled", subject=case.subject,
                 payload={"starts_at": starts_at.isoformat(), "interviewer": interviewer.id,
                          "sequence": interview.ics_sequence})
    return interview


def cancel_interview(interview: ExitInterview, by: User, *, expected_version: int | None) -> None:
    """Call the appointment off: both sides get a cancellation of the calendar entry."""
    _check_version(interview, expected_version)
    _check_open(interview.case)
    if interview.status != "scheduled":
        raise InterviewError(_l("Only a scheduled interview can be cancelled."))
    _cancel_appointment(interview)
    db.session.flush()
    record_event("interview.cancelled", subject=interview.case.subject,
                 payload={"sequence": interview.ics_sequence})


def _cancel_appointment(interview: ExitInterview) -> None:
    interview.status = "cancelled"
    interview.ics_sequence = (interview.ics_sequence or 0) + 1
    _send_calendar(interview, "CANCEL")


def record_answers(interview: ExitInterview, by: User, *, answers: dict[str, str],
                   notes: str, expected_version: int | None) -> None:
    """Store the answers to the outline's questions and the HR-only confidential notes
    (until the interview is completed: then the record is read-only)."""
    _check_version(interview, expected_version)
    _check_editable(interview)
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
    elif interview.status == "scheduled" and utc(interview.starts_at) > clock_now():
        _cancel_appointment(interview)  # the calendars still hold the appointment
    interview.status, interview.not_held_reason = "not_held", reason.strip()
    interview.confirmed_at, interview.confirmed_by_id = utcnow(), by.id
    db.session.flush()
    result = fire_case_event(case, NOT_HELD_EVENT, by, None, {"comment": reason.strip()})
    if not result:
        raise InterviewError(refusal_message(result.refusal))
    return result


def add_interview_addendum(interview: ExitInterview, by: User, *, text: str) -> InterviewAddendum:
    """Correct or complete a completed interview record with a new, dated, signed note."""
    text = (text or "").strip()
    if not interview.completed:
        raise InterviewError(_l("The interview is not completed yet: change the answers "
                                "themselves."))
    if not text:
        raise InterviewError(_l("Write the correction or addition."))
    addendum = InterviewAddendum(interview=interview, text=text, author_id=by.id, created_at=utcnow())
    db.session.add(addendum)
    db.session.flush()
    record_event("interview.addendum", subject=interview.case.subject,
                 payload={"addendum": addendum.id,
                          "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    return addendum


# ---------------------------------------------------------------- who sees what


def visible_interview(interview: ExitInterview | None, user) -> dict | None:
    """What this user may read of the interview: HR everything, others the appointment only."""
    if interview is None:
        return None
    view = {"status": interview.status, "starts_at": interview.starts_at, "completed": interview.completed,
            "location": interview.location, "video_link": interview.video_link,
            "interviewer": interview.interviewer.display_name if interview.interviewer else ""}
    if is_hr(user):
        view.update(answers=interview.answers or [], notes=interview.confidential_notes,
                    reasons=interview.reason_codes or [], primary=interview.primary_reason,
                    voluntary=interview.voluntary, regrettable=interview.regrettable,
                    avoidable=interview.avoidable, outcome=interview.outcome,
                    not_held_reason=interview.not_held_reason, version=interview.lock_version,
                    addenda=[{"text": a.text, "at": a.created_at,
                              "author": a.author.display_name if a.author else ""}
                             for a in interview.addenda])
    return view


def interview_for_document(case: Case, locale: str) -> dict | None:
    """The facts of the exit interview record PDF (the notes are printed only on request)."""
    interview = interview_of(case)
    if interview is None:
        return None
    return {"interviewer": interview.interviewer.display_name if interview.interviewer else "",
            "answers": [{"question": a.get("question", ""), "answer": a.get("answer", "")}
                        for a in interview.answers or []],
            "addenda": [{"text": a.text, "at": a.created_at,
                         "author": a.author.display_name if a.author else ""}
                        for a in interview.addenda],
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
