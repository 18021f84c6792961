"""Record audit events for actions outside a workflow (accounts, eligibility, look-ups)."""
from __future__ import annotations

from flask import g, has_request_context
from flask_login import current_user

from app.db import db, utcnow


def current_request_id() -> str | None:
    return getattr(g, "request_id", None) if has_request_context() else None


def current_actor():
    """The engine actor for the signed-in user, or the system actor."""
    from app.engine import SYSTEM
    from app.modules.auth.permissions import actor_for

    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return actor_for(current_user)
    return SYSTEM


def record_event(action: str, *, subject: str, payload: dict | None = None) -> None:
    """Append an event to the hash-chained audit log, attributed to the current user."""
    from app.engine.audit import append_audit
    from app.signals import event_recorded

    append_audit(db.session, event=action, at=utcnow(), actor=current_actor(), subject=subject,
                 payload=payload or {}, request_id=current_request_id())
    event_recorded.send(action, session=db.session, subject=subject, payload=payload or {})
