"""What the case page shows, gathered in one place so the view stays thin."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.db import db
from app.engine import runtime
from app.i18n import localized
from app.modules.auth.models import User
from app.modules.auth.permissions import roles_of
from app.modules.cases import operations
from app.modules.cases.forms import EvidenceForm, event_form
from app.modules.cases.models import Case, CaseAttachment
from app.modules.employees.reasons import load_reasons

# Events the engine writes itself, not named in any definition.
ENGINE_EVENTS = {"start": _l("Case opened"), "migrate": _l("Moved to a new workflow version")}


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    title: str
    actor: str
    role: str
    comment: str


def timeline_of(case: Case, locale: str) -> list[TimelineEntry]:
    """The case's audit events as lines a person reads, oldest first."""
    if case.instance is None:
        return []
    _, definition = runtime.definition_of(db.session, case.instance)
    entries = []
    for row in runtime.timeline(db.session, subject=case.subject):
        title = str(ENGINE_EVENTS[row.event]) if row.event in ENGINE_EVENTS else definition.event_title(
            row.event, locale)
        entries.append(TimelineEntry(row.created_at, title, row.actor_name, row.role,
                                     str((row.payload or {}).get("comment", ""))))
    return entries


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
    attachments = db.session.scalars(select(CaseAttachment).where(CaseAttachment.case_id == case.id)
                                     .order_by(CaseAttachment.id)).all()
    return {
        "case": case,
        "workflow_title": localized(definition.title),
        "states": list(dict.fromkeys(runtime.state_titles(db.session, case.instance, locale))),
        "events": _event_forms(case, user, locale, failed or {}),
        "timeline": timeline_of(case, locale),
        "reasons": [taxonomy.label(c, locale) for c in case.reason_codes if c in taxonomy],
        "primary_reason": taxonomy.label(case.primary_reason, locale) if case.primary_reason in taxonomy else "",
        "attachments": attachments,
        "documents": _documents(case, user),
        "evidence_form": EvidenceForm() if "hr" in roles_of(user) and case.is_open else None,
    }
