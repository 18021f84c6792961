"""Wire the API's reactions: signals heard (webhooks, SCIM) and outbox handlers registered."""
from __future__ import annotations

from flask import has_app_context

from app.db import db
from app.engine.registry import registry
from app.engine.signals import instance_changed, instance_started
from app.modules.api import events
from app.modules.api.scim import DEPROVISION_JOB, deprovision_job
from app.modules.api.webhooks import DELIVER_JOB, deliver_job
from app.signals import document_issued, event_recorded, offboarding_scheduled


def _app_database_only(receiver):
    """The engine's signals reach every user of the engine (a script with its own database,
    say); only the application's database has cases and webhook endpoints."""
    def heard(session, **kwargs):
        if has_app_context():
            bind = session.get_bind()
            if getattr(bind, "engine", bind) is db.engine:
                receiver(session, **kwargs)
    return heard


_on_started, _on_changed = _app_database_only(events.on_started), _app_database_only(events.on_changed)
instance_started.connect(_on_started)
instance_changed.connect(_on_changed)
offboarding_scheduled.connect(events.on_offboarding_scheduled)
event_recorded.connect(events.on_event_recorded)
document_issued.connect(events.on_document_issued)

registry.register("outbox", DELIVER_JOB, deliver_job)
registry.register("outbox", DEPROVISION_JOB, deprovision_job)
