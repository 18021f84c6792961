"""What the case page shows, gathered in one place so the view stays thin."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.db import db
from app.engine import runtime
from app.engine.definition import Definition
from app.engine.models import AuditEvent
from app.i18n import current_locale, localized
from app.modules.auth.models import User
from app.modules.auth.permissions import roles_of
from app.modules.cases import access, operations
from app.modules.cases.forms import EvidenceForm, event_form
from app.modules.cases.models import Case, CaseAttachment
from app.modules.employees.reasons import load_reasons

# Events the engine writes itself, not named in any definition.
ENGINE_EVENTS = {"start": _l("Case opened"), "migrate": _l("Moved to a new workflow version"),
                 "done": _l("Every parallel step is finished")}
# Timers fire as "timer:<id>"; the ids the shipped workflows use.
TIMER_EVENTS = {
    "remind": _l("Reminder sent"),
    "escalate": _l("Escalated: the step went to HR"),
    "announce_items": _l("Handover started: everyone was told their items"),
    "remind_items": _l("Handover reminder sent"),
    "escalate_items": _l("Handover escalated to HR and the supervisor"),
    "decide_soon": _l("Reminder: the renewal decision is due"),
    "notice_ends": _l("The notice period ended"),
    "upcoming": _l("Reminder: the retirement date is near"),
}
# Events the modules record on a case, outside the workflow.
MODULE_EVENTS = {
    "case.draft_changed": _l("Application changed"),
    "document.generated": _l("Document generated"),
    "handover.created": _l("Handover checklist created"),
    "handover.handed_over": _l("Handover item handed over"),
    "handover.confirmed": _l("Handover item confirmed"),
    "handover.disputed": _l("Handover item disputed"),
    "handover.item_changed": _l("Handover item changed"),
    "handover.item_added": _l("Handover item added"),
    "handover.item_removed": _l("Handover item removed"),
    "handover.successor_named": _l("Successor named"),
    "handover.receiver_changed": _l("Handover receiver changed"),
    "handover.reports_reassigned": _l("Direct reports given a new manager"),
    "settlement.facts": _l("Settlement facts entered"),
    "settlement.computed": _l("Settlement sheet computed"),
    "settlement.override": _l("Settlement amount overridden"),
    "interview.scheduled": _l("Exit interview scheduled"),
    "interview.recorded": _l("Exit interview recorded"),
    "interview.confirmed": _l("Exit interview confirmed"),
    "interview.moved": _l("Exit interview moved"),
    "interview.cancelled": _l("Exit interview cancelled"),
    "interview.addendum": _l("Addendum to the exit interview record"),
}
# A kind added later still reads as something, by its module.
MODULE_FALLBACK = {"case": _l("Case changed"), "document": _l("Document"), "handover": _l("Handover changed"),
                   "settlement": _l("Settlement changed"), "interview": _l("Exit interview changed")}
TIMER_FALLBACK = _l("Automatic step (timer)")
ROLES = {"employee": _l("Employee"), "supervisor": _l("Supervisor"), "receiver": _l("Receiver"),
         "hr": _l("HR"), "hr_admin": _l("HR administrator"), "system": _l("System")}
FIELD_LABELS = {"reason_codes": _l("Reasons"), "primary_reason": _l("Main reason"),
                "notice_date": _l("Date of written notice"),
                "requested_last_day": _l("Requested last working day"), "statement": _l("Statement"),
                "letter": _l("Letter")}


# Audit events whose comment (or reason) only some readers may see, registered by the feature
# that records them: kind -> may_read(user, case). Others see that the step happened, not why.
COMMENT_READERS: dict[str, Callable[[User, Case], bool]] = {}


def restrict_comment(kind: str, may_read: Callable[[User, Case], bool]) -> None:
    """Show the comment of `kind` events only to users for whom may_read(user, case) is true."""
    COMMENT_READERS[kind] = may_read


def comment_is_restricted(kind: str) -> bool:
    return kind in COMMENT_READERS


def may_read_comment(kind: str, user: User | None, case: Case) -> bool:
    """True when the event's comment is for everyone who sees the case, or for this user."""
    rule = COMMENT_READERS.get(kind)
    return rule is None or (user is not None and bool(rule(user, case)))


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    title: str
    actor: str
    role: str
    comment: str
    detail: str = ""


def event_title(kind: str, definition: Definition, locale: str) -> str:
    """What an audit event kind is called, in the reader's language; never the raw key."""
    if kind in definition.event_titles and kind not in ENGINE_EVENTS:
        return definition.event_title(kind, locale)
    return module_event_title(kind)


def module_event_title(kind: str) -> str:
    """The title of an audit event no workflow defines (engine, timer, module events)."""
    if kind in ENGINE_EVENTS:
        return str(ENGINE_EVENTS[kind])
    if kind.startswith("timer:"):
        return str(TIMER_EVENTS.get(kind.split(":", 1)[1], TIMER_FALLBACK))
    if kind in MODULE_EVENTS:
        return str(MODULE_EVENTS[kind])
    module = kind.split(".", 1)[0]
    return str(MODULE_FALLBACK.get(module, kind))


def role_title(role: str) -> str:
    return str(ROLES[role]) if role in ROLES else role


def _detail(row: AuditEvent, locale: str) -> str:
    payload = row.payload or {}
    if row.event == "case.draft_changed":
        separator = "、" if locale.startswith("zh") else ", "
        return separator.join(str(FIELD_LABELS.get(name, name)) for name in payload.get("changed", []))
    if row.event == "document.generated" and payload.get("kind"):
        return _document_title(payload["kind"], locale)
    return ""


def _document_title(kind: str, locale: str) -> str:
    try:
        from app.modules.documents.kinds import kind_title
    except ImportError:
        return ""
    try:
        return kind_title(kind, locale)
    except KeyError:  # a kind without a title: the event's own title says enough
        return ""


def _entry(row: AuditEvent, definition: Definition, locale: str, show_comment: bool = True) -> TimelineEntry:
    payload = row.payload or {}
    system = row.actor_user_id is None and row.actor_name in ("system", "")
    actor = str(ROLES["system"]) if system else row.actor_name
    role = "" if system else role_title(row.role)
    comment = str(payload.get("comment") or payload.get("reason") or "") if show_comment else ""
    return TimelineEntry(row.created_at, event_title(row.event, definition, locale), actor, role, comment,
                         _detail(row, locale))


def timeline_of(case: Case, locale: str, user: User | None = None) -> list[TimelineEntry]:
    """The case's audit events as lines `user` reads, oldest first; a comment only some may
    read (why HR recorded the interview as not held, say) is left out for the others."""
    if case.instance is None:
        return []
    _, definition = runtime.definition_of(db.session, case.instance)
    return [_entry(row, definition, locale, may_read_comment(row.event, user, case))
            for row in runtime.timeline(db.session, subject=case.subject)]


def send_back_of(case: Case) -> TimelineEntry | None:
    """The step that last returned the draft to the employee (the supervisor's comment), if any."""
    if case.instance is None:
        return None
    rows = runtime.timeline(db.session, subject=case.subject)
    last = next((r for r in reversed(rows) if r.instance_id and "draft" in (r.to_states or [])), None)
    if last is None or last.event == "start" or "draft" in (last.from_states or []):
        return None
    _, definition = runtime.definition_of(db.session, case.instance)
    return _entry(last, definition, current_locale())


def current_letter(case: Case) -> CaseAttachment | None:
    return db.session.scalars(select(CaseAttachment).where(
        CaseAttachment.case_id == case.id, CaseAttachment.kind == "letter").order_by(CaseAttachment.id.desc())).first()


def _event_forms(case: Case, user: User, locale: str, failed: dict) -> list[tuple]:
    forms = []
    for option in operations.case_events(case, user, locale):
        form = failed.get(option.event) or event_form(option.event, option.require,
                                                      data={"version": case.version})
        form.version.data = case.version
        forms.append((option, form))
    return forms


def _documents(case: Case, user: User):
    try:
        from app.modules.documents.operations import documents_for
    except ImportError:
        return None
    return documents_for(case, user)


def case_view(case: Case, user: User, locale: str, failed: dict | None = None) -> dict:
    """Everything the case page template needs."""
    _, definition = runtime.definition_of(db.session, case.instance)
    taxonomy = load_reasons()
    attachments = [a for a in db.session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)
                                                 .order_by(CaseAttachment.id))
                   if access.may_download_attachment(user, case, a)]
    can_edit = operations.may_edit_application(case, user) and operations.is_draft(case)
    return {
        "case": case,
        "workflow_title": localized(definition.title),
        "states": list(dict.fromkeys(runtime.state_titles(db.session, case.instance, locale))),
        "events": _event_forms(case, user, locale, failed or {}),
        "timeline": timeline_of(case, locale, user),
        "reasons": [taxonomy.label(c, locale) for c in case.reason_codes if c in taxonomy],
        "primary_reason": taxonomy.label(case.primary_reason, locale) if case.primary_reason in taxonomy else "",
        "attachments": attachments,
        "documents": _documents(case, user),
        "evidence_form": EvidenceForm() if "hr" in roles_of(user) and case.is_open else None,
        "can_edit": can_edit,
        "send_back": send_back_of(case) if can_edit else None,
    }
