"""The outbox handler for the engine's `notify` action, and the job boundary for mail."""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from sqlalchemy.exc import IntegrityError

from app.db import db
from app.engine.registry import registry
from app.modules.notifications.mail import Attachment
from app.modules.notifications.operations import (
    recipients_for_instance,
    record_notifications,
    send_emails,
)

log = logging.getLogger(__name__)
# A `notify` action without a template picks one by the event it follows.
EVENT_TEMPLATES = {"submit": "submitted", "approve": "approved", "reject": "rejected"}


@registry.outbox_handler("notify")
def send_notify_job(payload: dict) -> None:
    """Tell the holders of the roles named in a `notify` action: inbox first, then e-mail."""
    from app.engine.machine import active_paths
    from app.engine.models import WorkflowInstance
    from app.engine.runtime import definition_of

    params = payload.get("params") or {}
    instance = db.session.get(WorkflowInstance, payload["instance_id"])
    if instance is None:
        log.warning("notify job %s: instance %s is gone", payload["job_id"], payload["instance_id"])
        return
    _, defn = definition_of(db.session, instance)
    event = payload.get("event") or ""
    if event.startswith("timer:") and payload.get("state") not in active_paths(
            defn, tuple(instance.configuration)):
        log.info("notify job %s: %s left state %s; reminder dropped", payload["job_id"],
                 instance.subject, payload.get("state"))
        return
    case = case_for_subject(instance.subject)
    users = recipients_for_instance(instance, params.get("to") or [])
    template = params.get("template") or EVENT_TEMPLATES.get(event, "step_needed")
    deliver_notifications(users, template, job_context(instance, defn, case, payload),
                          case=case, job_id=payload["job_id"])


def deliver_notifications(users: Iterable, template: str, context: dict, *, job_id: int,
                          case=None, link: str | None = None,
                          attachments: Sequence[Attachment] = ()) -> dict[str, int]:
    """Run a notification job: commit the inbox rows, then e-mail each, committing each send.

    For outbox handlers only (it commits). A failed send raises MailError after the rest
    were tried, so the outbox retries; sent mail and written rows are never repeated.
    """
    users = list(users)
    try:
        try:
            rows = record_notifications(users, template, context, case=case, job_id=job_id,
                                        link=link)
            db.session.commit()
        except IntegrityError:  # another run of the same job won the race: use its rows
            db.session.rollback()
            rows = record_notifications(users, template, context, case=case, job_id=job_id,
                                        link=link)
            db.session.commit()
        return send_emails(rows, attachments=attachments, after_each=db.session.commit)
    except BaseException:
        db.session.rollback()  # the worker may run the next job on this session
        raise


def case_for_subject(subject: str | None):
    """The case an instance is about ("case:<id>"), or None."""
    from app.modules.cases.models import Case

    kind, _, ident = (subject or "").partition(":")
    return db.session.get(Case, int(ident)) if kind == "case" and ident.isdigit() else None


def job_context(instance, defn, case, payload: dict) -> dict:
    """What the e-mail templates may show, with titles in every language."""
    from flask import current_app

    from app.modules.auth.models import User

    languages = current_app.config["LANGUAGES"]
    event = payload.get("event") or ""
    actor = db.session.get(User, payload["actor_user_id"]) if payload.get("actor_user_id") else None
    return {
        "workflow": dict(defn.title),
        "event": None if event.startswith("timer:") else
        {loc: defn.event_title(event, loc) for loc in languages},
        "state": {loc: " / ".join(dict.fromkeys(defn.shown_title(p, loc)
                                                for p in instance.configuration))
                  for loc in languages},
        "actor": actor.display_name if actor else None,
        "reference": case.reference if case else instance.subject,
        "employee": case.employee.name if case and case.employee else "",
        "last_day": case.last_day if case else None,
    }
