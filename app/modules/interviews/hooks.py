"""Outbox handlers: the interview invitation (e-mail + ICS) and the survey invitation."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from app.db import db
from app.engine.registry import registry
from app.modules.cases.presenters import restrict_comment
from app.modules.interviews.operations import NOT_HELD_EVENT, is_hr
from app.modules.notifications.hooks import case_for_subject, deliver_notifications
from app.modules.notifications.mail import Attachment
from app.modules.notifications.operations import users_of_employees
from app.modules.notifications.rendering import user_address

# Why HR recorded the interview as not held is HR's, like the rest of the interview record.
restrict_comment(NOT_HELD_EVENT, lambda user, case: is_hr(user))

registry.register("action", "invite_exit_survey", lambda ctx, **params: None,
                  {"type": "object", "additionalProperties": False}, slow=True)


@registry.outbox_handler("interview_invitation")
def send_interview_invitation(payload: dict) -> None:
    """E-mail the leaver and the interviewer, with the invitation as an ICS attachment."""
    from app.modules.alumni.operations import own_session

    with own_session():
        _send_interview_invitation(payload)


TEMPLATES = {"REQUEST": "interview_scheduled", "CANCEL": "interview_cancelled"}


def _send_interview_invitation(payload: dict) -> None:
    from app.modules.interviews.invitations import build_invitation
    from app.modules.interviews.models import ExitInterview

    interview = db.session.get(ExitInterview, payload["interview_id"])
    if interview is None or interview.starts_at is None:
        return
    legacy = "method" not in payload  # queued before invitations carried their method
    method = payload.get("method", "REQUEST")
    sequence = interview.ics_sequence if legacy else payload["sequence"]
    if sequence != interview.ics_sequence:
        return  # a newer update or cancellation went out instead: this one is stale
    case = interview.case
    users = users_of_employees([case.employee_id])
    if interview.interviewer is not None:
        users.append(interview.interviewer)
    with force_locale(case.locale):
        summary = _("Exit interview: %(name)s", name=case.employee.name)
    organizer = user_address(interview.interviewer) if interview.interviewer else None
    attendees = [a for a in (user_address(u) for u in users) if a]
    ics = build_invitation(interview, method=method, sequence=sequence, summary=summary,
                           organizer=organizer, attendees=attendees)
    template = TEMPLATES[method] if method == "CANCEL" or sequence == 0 else "interview_updated"
    context = {"starts_at": interview.starts_at,
               "location": interview.location or interview.video_link,
               "interviewer": interview.interviewer.display_name if interview.interviewer else ""}
    deliver_notifications(users, template, context, case=case,
                          job_id=payload["job_id"],
                          attachments=[Attachment("interview.ics", ics, "text/calendar",
                                                  (("method", method),))])


@registry.outbox_handler("invite_exit_survey")
def send_survey_invitation(payload: dict) -> None:
    """Create the case's anonymous survey link and send it to the leaver (once per case)."""
    from app.modules.alumni.operations import own_session

    with own_session():
        _send_survey_invitation(payload)


def _send_survey_invitation(payload: dict) -> None:
    from app.modules.interviews.survey import invite_to_survey

    case = case_for_subject(payload.get("subject"))
    if case is None:
        return
    token = invite_to_survey(case)
    if token is None and not _already_recorded(payload["job_id"]):
        db.session.rollback()
        return  # another job invited this leaver
    link = f"/survey/{token}" if token else None
    deliver_notifications(users_of_employees([case.employee_id]), "survey_invitation",
                          {"deadline": case.last_day}, job_id=payload["job_id"], link=link)


def _already_recorded(job_id: int) -> bool:
    """A retried job: its inbox rows (with the link) were written by the first run."""
    from sqlalchemy import select

    from app.modules.notifications.models import Notification

    return db.session.scalar(select(Notification.id).where(Notification.job_id == job_id)
                             .limit(1)) is not None
